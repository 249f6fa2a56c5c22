"""Answering: the records of an answer (`records`), the offline extractive answerer
(`extractive`, with `abstention`), the generative one over a language model (`generative`,
`prompts`, and `check`, which checks its citations), and follow-up questions (`followup`).

A new answerer implements `records.Answerer` here and is chosen in `assistant.factory`.
"""
