"""The plan as data: the contract read from the schema, JSON pointers, the dependency
graph, reading plan files and writing them atomically, file names."""
