"""Offline verification: a token (or a QR image of its URL) checked with only the published public-key file.

No database and no network: this is what an inspector's laptop runs. ``flask certificates verify`` and
``verify-qr`` use it; it also runs on its own::

    python -m exam_platform.certificates.offline TOKEN_OR_URL --keys certificate-keys.json
    python -m exam_platform.certificates.offline --qr photo.png --keys certificate-keys.json

Both token formats verify: CT2 (an opaque reference) and the older CT1 (the certificate number) still on cards
printed before the upgrade.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from . import token as tokens


class KeyFileProblem(ValueError):
    pass


@dataclass(frozen=True)
class OfflineResult:
    payload: tokens.SignedPayload
    key_state: str  # active | retired | compromised

    @property
    def trustworthy(self) -> bool:
        return self.key_state != "compromised"


def load_key_file(path: str | Path) -> dict[str, dict]:
    """kid → {"public_key", "state"} from a key file written by ``export-public-keys`` (or the JSON URL)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyFileProblem(f"cannot read key file {path}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeyFileProblem(f"{path} is not a certificate key file")
    keys: dict[str, dict] = {}
    for entry in document["keys"]:
        if (isinstance(entry, dict) and isinstance(entry.get("kid"), str) and entry.get("alg") == tokens.ALGORITHM
                and isinstance(entry.get("public_key"), str)):
            keys[entry["kid"]] = {"public_key": entry["public_key"], "state": str(entry.get("state", "active"))}
    if not keys:
        raise KeyFileProblem(f"{path} holds no Ed25519 keys")
    return keys


def verify_token(token: str, keys: dict[str, dict]) -> OfflineResult:
    """Raises ``tokens.InvalidToken`` for anything but a token signed by one of ``keys``."""
    payload = tokens.signed_payload(tokens.token_from_url(token), {kid: k["public_key"] for kid, k in keys.items()})
    return OfflineResult(payload, keys[payload.kid]["state"])


def decode_qr(image_path: str | Path) -> list[str]:
    """Texts of the QR codes in an image (zxing-cpp, a real reader)."""
    import zxingcpp  # only the QR reading needs it (pinned with the test dependencies)
    from PIL import Image

    with Image.open(image_path) as image:
        image.load()
        return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode) if r.text]


def describe(result: OfflineResult) -> str:
    p = result.payload
    if p.format == tokens.FORMAT:
        names = [f"reference:   {p.subject} (opaque; the holder's name and number are on the card)"]
    else:
        names = [f"number:      {p.subject}",
                 f"OLD TOKEN FORMAT {p.format}: it carries the certificate number; a newer QR code may exist online."]
    lines = [
        f"signature: VALID (Ed25519, {p.format}, kid {p.kid}, key {result.key_state})",
        *names,
        f"category:    {p.category}",
        f"issued on:   {p.issued_on.isoformat()}",
        f"valid until: {p.valid_until.isoformat()}",
        f"version:     {p.version}",
        "The live status (suspended, revoked, reissued …) is only known online at the /v/ page.",
    ]
    if not result.trustworthy:
        lines.insert(1, "WARNING: this key was marked COMPROMISED; the certificate must be reissued. Do not trust it.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a certificate token offline with the public-key file.")
    parser.add_argument("token", nargs="?", help="token or /v/ URL")
    parser.add_argument("--qr", help="PNG/JPEG image of the certificate QR code")
    parser.add_argument("--keys", required=True, help="public-key file (export-public-keys)")
    args = parser.parse_args(argv)
    code, text = run(args.token, args.qr, args.keys)
    print(text, file=sys.stdout if code == 0 else sys.stderr)
    return code


def run(token: str | None, qr: str | None, keys_path: str) -> tuple[int, str]:
    """(exit code, message): 0 valid, 1 invalid, 2 valid signature by a compromised key, 3 usage problem."""
    try:
        keys = load_key_file(keys_path)
    except KeyFileProblem as exc:
        return 3, str(exc)
    if qr:
        try:
            texts = decode_qr(qr)
        except (OSError, ValueError) as exc:
            return 3, f"cannot read image {qr}: {exc}"
        if not texts:
            return 1, "INVALID: no QR code found in the image"
        token = texts[0]
    if not token:
        return 3, "give a token, a /v/ URL or --qr IMAGE"
    try:
        result = verify_token(token, keys)
    except tokens.InvalidToken:
        return 1, "INVALID: not a certificate token signed by any key in the key file"
    return (0 if result.trustworthy else 2), describe(result)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
