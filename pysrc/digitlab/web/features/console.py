"""The console panel, the page side: a prompt on this very app (see digitlab.web.console).

    console.run      {source}  -> {more, items, draw (784 uint8 or None), changed}
    console.more     {source}  -> {more}: an unfinished statement (Enter starts a new line)
    console.complete {line}    -> {start, matches}
    console.help     {}        -> {text}
    console.examples {model}   -> [{id, code}]

The hook keeps a reference to what the last update saw (model, input, trace) so `lab.x`,
`lab.trace` and `lab.probs` are the page's own numbers: three assignments per update, nothing
computed, whether the panel is open or not.
"""

from ..console import HELP, Console, Seen, examples
from ..registry import handler, on_result, state


def seen(app):
    return state(app, "console.seen", Seen)


def console(app):
    return state(app, "console", lambda: Console(app, seen(app)))


@on_result
def remember(app, name, img, x, trace, out):
    s = seen(app)
    s.name, s.x, s.trace = name, x, trace


@handler("console.run")
def run(app, source=""):
    return console(app).run(str(source))


@handler("console.more")
def more(app, source=""):
    return {"more": console(app).more(str(source))}


@handler("console.complete")
def complete(app, line=""):
    return console(app).complete(str(line))


@handler("console.help")
def help_text(app):
    return {"text": HELP}


@handler("console.examples")
def example_list(app, model=""):
    return examples(app.model(str(model))[0])
