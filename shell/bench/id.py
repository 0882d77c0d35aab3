"""Verifying resident ID proofs: the city's signature, each disclosure, the device's key binding
and the status list, per proof, against bare Ed25519 verifications in the same run."""

from __future__ import annotations

import time

import click
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shell.bench.stats import emit, figures
from shell.resident_id import sdjwt

ISSUER = "https://city.example"
STATUS_URI = ISSUER + "/resident-id/status"
CLAIMS = {"name": "武雄 花子", "name_kana": "たけお はなこ", "district": "武雄町",
          "resident_of": "武雄市", "age_over_18": True, "age_over_65": True}  # fmt: skip
SHOWN = [["age_over_65"], ["resident_of"], list(CLAIMS)]


def _run(proofs: int) -> None:
    city = Ed25519PrivateKey.generate()
    keys = {"bench": city.public_key()}
    status = sdjwt.read_status_list(
        sdjwt.status_list_token(key=city, kid="bench", uri=STATUS_URI,
                                revoked=range(0, 1 << 17, 97), size=1 << 17, ttl=300),
        keys,
    )  # fmt: skip
    devices = [ec.generate_private_key(ec.SECP256R1()) for _ in range(20)]
    credentials = [
        sdjwt.issue(key=city, kid="bench", issuer=ISSUER, disclosable=CLAIMS,
                    holder_jwk=sdjwt.public_jwk_p256(device.public_key()),
                    status_idx=1 + index * 97 + 1, status_uri=STATUS_URI, lifetime_seconds=86400)
        for index, device in enumerate(devices)
    ]  # fmt: skip
    now = int(time.time())
    # What verifiers receive: proofs made just now by each device, every one with a fresh nonce.
    shown = [
        sdjwt.present(credentials[i % len(devices)], SHOWN[i % len(SHOWN)],
                      devices[i % len(devices)], now=now)
        for i in range(proofs)
    ]  # fmt: skip
    signed = [p.split("~", 1)[0].rsplit(".", 1) for p in shown]
    bare_inputs = [(sdjwt.b64u_decode(sig), head.encode("ascii")) for head, sig in signed]

    public = city.public_key()
    latencies: list[float] = []
    start = time.perf_counter()
    for signature, data in bare_inputs:
        began = time.perf_counter()
        public.verify(signature, data)
        latencies.append(time.perf_counter() - began)
    baseline = figures(latencies, time.perf_counter() - start)
    emit({"name": "id", "what": "bare Ed25519 verification", **baseline})

    seen = sdjwt.SeenNonces()
    failures = 0
    latencies = []
    start = time.perf_counter()
    for proof in shown:
        began = time.perf_counter()
        try:
            sdjwt.verify(proof, keys=keys, issuer=ISSUER, status=status, now=now, seen=seen)
        except sdjwt.Invalid:
            failures += 1
        latencies.append(time.perf_counter() - began)
    result = figures(latencies, time.perf_counter() - start)
    emit({"name": "id", "what": "proof: signature + disclosures + key binding + status", **result})
    emit({"name": "id", "summary": True, **result,
          "baseline_per_second": baseline["per_second"],
          "ratio": round(result["per_second"] / baseline["per_second"], 3),
          "failures": failures, "proofs": proofs})  # fmt: skip


@click.command("id")
@click.option("--proofs", default=3000, show_default=True, help="Proofs to verify.")
def id_bench(proofs: int) -> None:
    """Resident ID proofs verified per second (signature, disclosures, key binding, status)."""
    _run(proofs)
