"""Independent check of an Upstream Pay playback token with PyJWT + cryptography (not our code).

usage: verify_playback_token.py accept|reject JWKS_FILE TOKEN AUDIENCE ISSUER
accept: verifies ES256 against the JWKS (kid lookup), aud, iss, exp; checks every kid is the RFC 7638
        thumbprint of its key and the MediaMTX claim shape; prints the claims as JSON.
reject: exits 0 only if PyJWT refuses the token.
"""

import base64
import hashlib
import json
import sys

import jwt


def thumbprint(jwk):
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def decode(jwks, token, audience, issuer):
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
    kid = jwt.get_unverified_header(token).get("kid")
    return jwt.decode(
        token,
        keys[kid].key,
        algorithms=["ES256"],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )


def main():
    mode, jwks_file, token, audience, issuer = sys.argv[1:6]
    with open(jwks_file) as f:
        jwks = json.load(f)
    if mode == "reject":
        try:
            decode(jwks, token, audience, issuer)
        except Exception as err:  # any refusal is what we want
            print(type(err).__name__)
            return 0
        print("accepted a token it should refuse", file=sys.stderr)
        return 1
    for jwk in jwks["keys"]:
        assert jwk["alg"] == "ES256" and jwk["use"] == "sig", jwk
        assert "d" not in jwk, "private member published"
        assert jwk["kid"] == thumbprint(jwk), "kid is not the RFC 7638 thumbprint"
    claims = decode(jwks, token, audience, issuer)
    perms = claims["mediamtx_permissions"]
    assert isinstance(perms, list) and perms, perms
    for p in perms:
        assert set(p) == {"action", "path"}, p
        assert isinstance(p["action"], str) and isinstance(p["path"], str), p
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
