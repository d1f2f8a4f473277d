"""What page instruments register with the app (digitlab.app.App.call and its update), and
where each keeps its per-app state. Plain Python: no `js` import here; web/bridge.py converts
for JS.

    @handler("break.apply")
    def apply(app, noise=0.0, ...):          # JS: await digitlab.call("break.apply", {noise: 0.5})
        b = state(app, "break", Breaker)     # this app's Breaker, made on first use
        return {...}                         # JSON-safe dict / numpy arrays -> plain JS objects

    @on_result
    def digits(app, name, img, x, trace, out):   # runs inside every update, after the forward pass
        out["digits"] = ...                      # keys added here reach JS in the update's result

`app` is the page's `digitlab.app.App`: `app.model(name) -> (Network, Diagram)`,
`app.put(name, net)` installs a network under a name (a damaged or trained copy),
`app.restore(name)` brings back the shipped one, `app.pad` the pad's last pixels (PAD * PAD
uint8, `digitlab.app.PAD`). Handlers get the JS argument object as keyword arguments (already
converted to Python by the bridge: dicts, lists, memoryviews for typed arrays).

State lives on the app (`app.features`), never in a module: two Apps (two tests, or the page
and a probe) never see each other's sweeps, damage or training runs.
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
    Trace, or None when the pad is blank. out["view"] is the diagram's view model as
    viewmodel.Diagram.view made it, column tables unpacked (nodes/links: {"id": [str], column:
    (n,) float64}), or None when the update skips the diagram; the app packs it for JS after
    every hook has run. Keep a hook cheap: it runs on every stroke.
    """
    if fn not in HOOKS:
        HOOKS.append(fn)
    return fn


def state(app, key, factory):
    """The per-app state of instrument `key`: factory() on first use, then the same object
    for this app (kept in app.features[key])."""
    features = app.features
    if key not in features:
        features[key] = factory()
    return features[key]
