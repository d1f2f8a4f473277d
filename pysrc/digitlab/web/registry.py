"""What page instruments register with the app (digitlab.app.App.call and its update).
Plain Python: no `js` import here; web/bridge.py converts for JS.

    @handler("break.apply")
    def apply(app, noise=0.0, ...):          # JS: await digitlab.call("break.apply", {noise: 0.5})
        return {...}                         # JSON-safe dict / numpy arrays -> plain JS objects

    @on_result
    def digits(app, name, img, x, trace, out):   # runs inside every update, after the forward pass
        out["digits"] = ...                      # keys added here reach JS in the update's result

`app` is the page's `digitlab.app.App`: `app.model(name) -> (Network, Diagram)`,
`app.put(name, net)` installs a network under a name (a damaged or trained copy),
`app.restore(name)` brings back the shipped one, `app.pad` the pad's last pixels (PAD * PAD
uint8, `digitlab.app.PAD`). Handlers get the JS argument object as keyword arguments (already
converted to Python by the bridge: dicts, lists, memoryviews for typed arrays).
"""

HANDLERS = {}   # name -> fn(app, **kwargs)
HOOKS = []      # fn(app, name, img, x, trace, out), in registration order


def handler(name):
    """Register fn under `name` (unique: a second registration is a programming error)."""
    def register(fn):
        if name in HANDLERS and HANDLERS[name] is not fn:
            raise ValueError(f"handler {name!r} registered twice")
        HANDLERS[name] = fn
        return fn
    return register


def on_result(fn):
    """Register fn(app, name, img, x, trace, out) to run in every update; it may add keys to out.

    img: (PAD, PAD) uint8 pad pixels; x: (28, 28) float32 network input; trace: the forward
    Trace, or None when the pad is blank. Keep it cheap: it runs on every stroke.
    """
    if fn not in HOOKS:
        HOOKS.append(fn)
    return fn
