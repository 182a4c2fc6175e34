#!/usr/bin/python3
# Writes the keys and tokens of this directory with jwcrypto, the library
# websockify's JWTTokenApi uses (Debian 12: python3-jwcrypto 1.1.0):
#
#   cd serve/internal/token/testdata/jwcrypto && /usr/bin/python3 gen.py
#
# Key files are written in the forms websockify reads: the HMAC secret as
# the bare JWK "k" value, public keys as PEM. tokens.json lists, per key,
# tokens jwcrypto signed and what websockify's own JWTTokenApi.lookup
# returns for each ("host:port", or null for a refusal): websockify's
# verdict, which the Go tests require serve to reach too. "reason" is the
# refusal reason serve must give.
import contextlib, io, json
from jwcrypto import jwk, jwt
from websockify.token_plugins import JWTTokenApi

FAR = 4102444800   # 2100-01-01
PAST = 946684800   # 2000-01-01

def write(name, data):
    with open(name, "wb") as f:
        f.write(data)

def token(key, alg, claims, header=None):
    h = {"alg": alg}
    h.update(header or {})
    t = jwt.JWT(header=h, claims=claims)
    t.make_signed_token(key)
    return t.serialize()

keys = {
    "hs256.key": (jwk.JWK.generate(kty="oct", size=256), ["HS256", "HS384", "HS512"]),
    "rsa.pem": (jwk.JWK.generate(kty="RSA", size=2048), ["RS256", "RS512", "PS256", "PS384"]),
    "p256.pem": (jwk.JWK.generate(kty="EC", crv="P-256"), ["ES256"]),
    "p384.pem": (jwk.JWK.generate(kty="EC", crv="P-384"), ["ES384"]),
    "ed25519.pem": (jwk.JWK.generate(kty="OKP", crv="Ed25519"), ["EdDSA"]),
}
out = []
for name, (key, algs) in keys.items():
    if key["kty"] == "oct":
        # No newline at the end: websockify then fails to decode it.
        write(name, key["k"].encode())
    else:
        write(name, key.export_to_pem(private_key=False))
        write(name.replace(".pem", "-private.pem"), key.export_to_pem(private_key=True, password=None))
    for alg in algs:
        out.append({"key": name, "alg": alg, "token": token(key, alg, {"host": "10.1.2.3", "port": 5901, "exp": FAR})})
    alg = algs[0]
    out.append({"key": name, "alg": alg, "token": token(key, alg, {"host": "vm-7.example", "port": "5902", "nbf": PAST, "iat": PAST, "jti": "abc"})})
    out.append({"key": name, "alg": alg, "reason": "expired_token",
                "token": token(key, alg, {"host": "10.1.2.3", "port": 5901, "exp": PAST})})
# Encrypted tokens (JWE), which websockify decrypts with the same key
# file and whose contents must be a token signed with it.
def jwe(key, alg, enc, plaintext):
    t = jwt.JWT(header={"alg": alg, "enc": enc}, claims=plaintext)
    t.make_encrypted_token(key)
    return t.serialize()

hs = keys["hs256.key"][0]
rsa = keys["rsa.pem"][0]
good = {"host": "10.1.2.3", "port": 5901, "exp": FAR}
for alg, enc in [("dir", "A256GCM"), ("dir", "A128CBC-HS256"), ("A256KW", "A256GCM"), ("A256KW", "A256CBC-HS512")]:
    out.append({"key": "hs256.key", "alg": alg + "+" + enc, "token": jwe(hs, alg, enc, token(hs, "HS256", good))})
for alg, enc in [("RSA-OAEP", "A256GCM"), ("RSA-OAEP-256", "A128CBC-HS256")]:
    out.append({"key": "rsa-private.pem", "alg": alg + "+" + enc, "token": jwe(rsa, alg, enc, token(rsa, "RS256", good))})
out.append({"key": "hs256.key", "alg": "dir+A256GCM expired", "reason": "expired_token",
            "token": jwe(hs, "dir", "A256GCM", token(hs, "HS256", {"host": "h", "port": 1, "exp": PAST}))})
out.append({"key": "hs256.key", "alg": "dir+A256GCM claims only", "reason": "malformed_token",
            "token": jwe(hs, "dir", "A256GCM", json.dumps(good))})
# An unsigned JWE inside a JWE: websockify takes its claims. With an RSA
# key anyone holding the public key can make one; serve refuses it.
pub = jwk.JWK.from_pem(keys["rsa.pem"][0].export_to_pem(private_key=False))
out.append({"key": "rsa-private.pem", "alg": "RSA-OAEP nested unsigned", "reason": "malformed_token",
            "serve_differs": "websockify accepts claims no one signed",
            "token": jwe(pub, "RSA-OAEP", "A256GCM", jwe(pub, "RSA-OAEP", "A256GCM", json.dumps(good)))})

for t in out:
    with contextlib.redirect_stderr(io.StringIO()):
        got = JWTTokenApi(t["key"]).lookup(t["token"])
    t["websockify"] = None if got is None else "%s:%s" % tuple(got)
write("tokens.json", (json.dumps(out, indent=1) + "\n").encode())
