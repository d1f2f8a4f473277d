# PyScript's entry point: everything browser-facing lives in digitlab.web.bridge.
from digitlab.web import bridge

bridge.main()
