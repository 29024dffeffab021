"""The classroom page: lessons about group effects, watched live in a browser.

Modules: ``lessons`` (lesson files), ``settings`` (the page's controls and how they reach the
model), ``classroom`` (the two-sided ``mesa.Model``), ``narration`` (the event line),
``drawing`` (encodings and layout), ``picture`` (the graph), ``charts`` (the time charts'
spec and data), ``chartview`` (their browser widget), ``views`` and ``app`` (the Solara
page), ``assets`` (serving the page's scripts locally). See docs/classroom.md.
"""
