#!/usr/bin/python3
# Records what websockify's own token file plugin (Debian 12: websockify
# 0.10) makes of tokens.txt, for TestParseMatchesWebsockify:
#
#   cd serve/internal/token/testdata/tokenfile && /usr/bin/python3 gen.py
import contextlib, io, json
from websockify.token_plugins import ReadOnlyTokenFile

p = ReadOnlyTokenFile("tokens.txt")
with contextlib.redirect_stderr(io.StringIO()) as err:
    p._load_targets()
out = {"targets": {tok: target for tok, target in p._targets.items()},
       "stderr": err.getvalue().splitlines()}
with open("websockify.json", "w") as f:
    f.write(json.dumps(out, indent=1, sort_keys=True) + "\n")
