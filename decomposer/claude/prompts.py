"""Fill the prompt templates in ``prompts/`` (``string.Template``, ``$name``).

The system prompt is built once per process and is the same bytes on every call, so it
can be cached by the API. Its variable parts come from the contract and the data files,
so the model is taught exactly what the checks enforce."""

from __future__ import annotations

import functools
import json
from string import Template
from typing import Any

from decomposer.check.lint import lexicon
from decomposer.check.semantic import MAX_AUTONOMY
from decomposer.plan import contract
from decomposer.plan.json_types import JsonObject
from decomposer.resources import plan_schema, prompts_dir

# Terms per lint category shown to the model: enough to teach the pattern, short
# enough to keep the cached prefix lean.
_WORDS_PER_CATEGORY = 14


@functools.cache
def template(name: str) -> Template:
    return Template((prompts_dir() / f"{name}.md").read_text(encoding="utf-8"))


def render(name: str, **values: str) -> str:
    """Fill a template; a missing value is an error (a typo must not reach the model)."""
    return template(name).substitute(**values).strip() + "\n"


def _autonomy_map() -> str:
    costs = contract.enum_values("risk.verification_cost")
    rows = ["| stakes \\ verification | " + " | ".join(costs) + " |", "|---" * (len(costs) + 1) + "|"]
    for stakes in contract.enum_values("risk.stakes"):
        rows.append(f"| {stakes} | " + " | ".join(f"`{MAX_AUTONOMY[(stakes, cost)]}`" for cost in costs) + " |")
    return "\n".join(rows)


def _vague_words() -> str:
    lines = []
    for category in lexicon().categories.values():
        terms = category["terms"][:_WORDS_PER_CATEGORY]
        lines.append(f"- {category['label']}: " + ", ".join(f'"{t}"' for t in terms))
    return "\n".join(lines)


def _field_reference() -> str:
    """Every property description of the plan schema, as "path: description" lines."""
    schema = plan_schema()
    lines: list[str] = []

    def walk(node: JsonObject, path: str) -> None:
        for name, prop in node.get("properties", {}).items():
            here = f"{path}.{name}" if path else name
            if "description" in prop:
                lines.append(f"- `{here}`: {prop['description']}")
            target = prop.get("items", prop)
            ref = target.get("$ref")
            if ref and ref.startswith("#/$defs/"):
                definition = ref.rsplit("/", 1)[1]
                if definition not in seen:
                    seen.add(definition)
                    walk(schema["$defs"][definition], f"{here}[]" if "items" in prop else here)

    seen: set[str] = set()
    walk(schema, "")
    return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def system_prompt() -> str:
    return render(
        "system",
        autonomy_map=_autonomy_map(),
        vague_words=_vague_words(),
        field_reference=_field_reference(),
    )


def decompose_message(task: str, context: str | None) -> str:
    context_block = f"\n<context>\n{context}\n</context>\n" if context else ""
    return render("decompose", task=task, context_block=context_block)


def _finding_lines(findings: list[JsonObject]) -> str:
    return "\n".join(
        f"- {(f['subtask'] + ' ') if f.get('subtask') else ''}{f['path'] or '/'} [{f['rule']}, {f['severity']}]: "
        f"{f['message']}" + (f" (hint: {f['hint']})" if f.get("hint") else "")
        for f in findings
    )


def repair_message(findings: list[JsonObject]) -> str:
    return render("repair", findings=_finding_lines(findings))


def refine_repair_message(findings: list[JsonObject]) -> str:
    return render("refine_repair", findings=_finding_lines(findings))


def plan_json(plan: Any) -> str:
    return json.dumps(plan, indent=1, ensure_ascii=False)


def refine_message(plan: JsonObject, subtask_id: str, instruction: str) -> str:
    return render("refine", plan=plan_json(plan), subtask_id=subtask_id, instruction=instruction)


def review_message(plan: JsonObject) -> str:
    return render("review", task=str(plan.get("task", "")), plan=plan_json(plan))
