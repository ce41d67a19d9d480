"""The terminal app: search, read, filter and add practice entries (Textual).

Everything here calls the core (`practicebase.search`, `index`, `store`, `validate`,
`coverage`) and adds no search logic of its own. Text from entries is always shown as plain
`rich.text.Text` built from sanitised strings, never parsed as markup.
"""
