"""The school CA and user certificates (X.509, ECDSA P-256), and a person's key set.

vectors/identity.json pins an identity's serialised form and public values, and a CA and user
certificate issued from fixed keys; running this file as a script rewrites it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID

from safelog.crypto import ca
from safelog.crypto.encoding import unb64
from safelog.crypto.identity import Identity, verify_ecdsa, verify_ed25519

VECTORS = Path(__file__).parent / "vectors" / "identity.json"
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
SCHOOL = "Ravens Wood School"


def _fixed_identity(seed: int) -> Identity:
    return Identity(
        X25519PrivateKey.from_private_bytes(bytes([seed]) * 32),
        Ed25519PrivateKey.from_private_bytes(bytes([seed + 1]) * 32),
        ec.derive_private_key(10**30 + seed, ec.SECP256R1()),
        {"profile_key": "cHJvZmlsZQ==", "note": "fixed test identity"},
    )


def generate() -> dict[str, Any]:
    person = _fixed_identity(7)
    ca_identity = _fixed_identity(42)
    ca_cert = ca.create_ca(SCHOOL, ca_identity.ecdsa, NOW)
    user_cert = ca.issue_user_certificate(
        ca_cert, ca_identity.ecdsa, "Dana DSL", SCHOOL, person.ecdsa.public_key(), NOW
    )
    return {
        "identity": person.to_bytes().decode(),
        "public": person.public(),
        "ca_identity": ca_identity.to_bytes().decode(),
        "ca_cert": ca.certificate_pem(ca_cert).decode(),
        "user_cert": ca.certificate_pem(user_cert).decode(),
    }


# Run as a script, the module regenerates the vectors; under pytest it reads the committed ones.
V = generate() if __name__ == "__main__" else json.loads(VECTORS.read_text("utf-8"))


# -- identity ----------------------------------------------------------------------------------


def test_pinned_identity_loads_to_pinned_public_values() -> None:
    identity = Identity.from_bytes(V["identity"].encode())
    assert identity.public() == V["public"]
    assert identity.extra == {"profile_key": "cHJvZmlsZQ==", "note": "fixed test identity"}
    assert identity.to_bytes() == V["identity"].encode()  # canonical: byte-for-byte stable


def test_fixed_keys_give_the_pinned_serialisation() -> None:
    assert _fixed_identity(7).to_bytes().decode() == V["identity"]
    assert _fixed_identity(7).public() == V["public"]


def test_public_values_have_the_documented_encodings() -> None:
    public = V["public"]
    assert set(public) == {"x25519", "ed25519", "ecdsa"}
    assert len(unb64(public["x25519"])) == 32
    assert len(unb64(public["ed25519"])) == 32
    key = serialization.load_der_public_key(unb64(public["ecdsa"]))
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    private = json.loads(V["identity"])
    assert set(private) == {"x25519", "ed25519", "ecdsa", "extra"}


def test_generated_identity_round_trips() -> None:
    identity = Identity.generate()
    identity.extra["k"] = "v"
    again = Identity.from_bytes(identity.to_bytes())
    assert again.public() == identity.public()
    assert again.extra == {"k": "v"}
    assert again.to_bytes() == identity.to_bytes()
    assert Identity.generate().public() != identity.public()


def test_signatures_verify_only_for_the_message_and_key() -> None:
    identity = Identity.from_bytes(V["identity"].encode())
    public = V["public"]
    signature = identity.sign(b"statement")
    assert verify_ed25519(unb64(public["ed25519"]), signature, b"statement")
    assert not verify_ed25519(unb64(public["ed25519"]), signature, b"statement!")
    assert not verify_ed25519(
        unb64(Identity.generate().public()["ed25519"]), signature, b"statement"
    )
    assert not verify_ed25519(b"short", signature, b"statement")
    ecdsa_sig = identity.sign_ecdsa(b"pdf digest")
    assert verify_ecdsa(unb64(public["ecdsa"]), ecdsa_sig, b"pdf digest")
    assert not verify_ecdsa(unb64(public["ecdsa"]), ecdsa_sig, b"other digest")
    assert not verify_ecdsa(b"not der", ecdsa_sig, b"pdf digest")


def test_from_bytes_refuses_a_non_ecdsa_signing_key() -> None:
    raw = json.loads(V["identity"])
    ed_der = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    raw["ecdsa"] = base64.b64encode(ed_der).decode()
    with pytest.raises(ValueError, match="not ECDSA"):
        Identity.from_bytes(json.dumps(raw).encode())


# -- certificates ------------------------------------------------------------------------------


def _ext(cert: x509.Certificate, kind: type[Any]) -> x509.Extension[Any]:
    return cert.extensions.get_extension_for_class(kind)


@pytest.fixture(scope="module")
def issued() -> tuple[Identity, x509.Certificate, x509.Certificate]:
    ca_identity = Identity.generate()
    ca_cert = ca.create_ca(SCHOOL, ca_identity.ecdsa, NOW)
    user = Identity.generate()
    user_cert = ca.issue_user_certificate(
        ca_cert, ca_identity.ecdsa, "Dana DSL", SCHOOL, user.ecdsa.public_key(), NOW
    )
    return ca_identity, ca_cert, user_cert


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_ca(ca_cert: x509.Certificate) -> None:
    constraints = _ext(ca_cert, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca is True
    usage = _ext(ca_cert, x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert ca_cert.subject == ca_cert.issuer
    assert ca.is_issued_by(ca_cert, ca_cert)


def _check_user(user_cert: x509.Certificate, ca_cert: x509.Certificate) -> None:
    constraints = _ext(user_cert, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca is False
    usage = _ext(user_cert, x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    eku = _ext(user_cert, x509.ExtendedKeyUsage).value
    assert x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12") in eku
    assert ca.DOCUMENT_SIGNING.dotted_string == "1.3.6.1.4.1.311.10.3.12"
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert user_cert.issuer == ca_cert.subject
    assert ca.is_issued_by(user_cert, ca_cert)
    aki = _ext(user_cert, x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == _ext(ca_cert, x509.SubjectKeyIdentifier).value.digest
    assert user_cert.not_valid_after_utc <= ca_cert.not_valid_after_utc
    assert not ca.is_issued_by(ca_cert, user_cert)


def test_ca_certificate_is_a_ca(
    issued: tuple[Identity, x509.Certificate, x509.Certificate],
) -> None:
    ca_identity, ca_cert, _ = issued
    _check_ca(ca_cert)
    assert ca_cert.public_key().public_numbers() == ca_identity.ecdsa.public_key().public_numbers()
    assert ca_cert.not_valid_before_utc <= NOW < ca_cert.not_valid_after_utc
    assert ca_cert.not_valid_after_utc - NOW >= dt.timedelta(days=365 * 20)


def test_user_certificate_chains_to_the_ca(
    issued: tuple[Identity, x509.Certificate, x509.Certificate],
) -> None:
    _, ca_cert, user_cert = issued
    _check_user(user_cert, ca_cert)
    assert user_cert.not_valid_before_utc <= NOW < user_cert.not_valid_after_utc


def test_pinned_certificates_still_chain() -> None:
    ca_cert = x509.load_pem_x509_certificate(V["ca_cert"].encode())
    user_cert = x509.load_pem_x509_certificate(V["user_cert"].encode())
    _check_ca(ca_cert)
    _check_user(user_cert, ca_cert)
    ca_identity = Identity.from_bytes(V["ca_identity"].encode())
    assert _spki(ca_cert) == unb64(ca_identity.public()["ecdsa"])
    assert _spki(user_cert) == unb64(V["public"]["ecdsa"])
    assert (
        ca.fingerprint(ca.certificate_der(ca_cert))
        == hashlib.sha256(ca_cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    )


def test_another_ca_is_refused(issued: tuple[Identity, x509.Certificate, x509.Certificate]) -> None:
    _, ca_cert, user_cert = issued
    # Same school name, so the same issuer name: only the key tells them apart.
    impostor = ca.create_ca(SCHOOL, Identity.generate().ecdsa, NOW)
    assert impostor.subject == ca_cert.subject
    assert not ca.is_issued_by(user_cert, impostor)
    other_school = ca.create_ca("Another School", Identity.generate().ecdsa, NOW)
    assert not ca.is_issued_by(user_cert, other_school)
    pinned_ca = x509.load_pem_x509_certificate(V["ca_cert"].encode())
    assert not ca.is_issued_by(user_cert, pinned_ca)


def test_certificate_from_impostor_ca_is_refused_by_the_real_ca(
    issued: tuple[Identity, x509.Certificate, x509.Certificate],
) -> None:
    _, ca_cert, _ = issued
    impostor_key = Identity.generate().ecdsa
    impostor = ca.create_ca(SCHOOL, impostor_key, NOW)
    forged = ca.issue_user_certificate(
        impostor, impostor_key, "Dana DSL", SCHOOL, Identity.generate().ecdsa.public_key(), NOW
    )
    assert forged.issuer == ca_cert.subject
    assert not ca.is_issued_by(forged, ca_cert)


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(V, indent=2) + "\n", "utf-8")
