"""What tests share: fake servers (the Messages API, GitHub, Linear), fault injection,
and the plans and paths of the repository. Test files import helpers only from here."""
