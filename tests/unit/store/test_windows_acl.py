"""Owner-only on Windows (issue 16): the icacls commands SafeLog runs, the output it parses, a
wrong ACL found and mended, a missing icacls named plainly. Runs on any system through a fake
runner that behaves like icacls; the wiring into the data directory, database, evidence and
profiles is checked by taking the Windows path on this system."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from safelog.store import private
from safelog.store.chunks import ChunkFolder
from safelog.store.engine import make_engine
from safelog.store.files import write_private_file
from safelog.store.windows_acl import AclError, Entry, WindowsAcl, parse_icacls, system_program

SID = "S-1-5-21-1004336348-1177238915-682003330-1001"
ME = "SCHOOL\\jo.bloggs"
WHOAMI = f'"school\\jo.bloggs","{SID}"\r\n'


class FakeIcacls:
    """Enough of whoami and icacls: per path, a list of (principal, flags) entries."""

    def __init__(self, *, default: list[Entry] | None = None, stubborn: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.acls: dict[str, list[Entry]] = {}
        self.default = default or [
            Entry(ME, ("(I)", "(OI)", "(CI)", "(F)")),
            Entry("NT AUTHORITY\\SYSTEM", ("(I)", "(OI)", "(CI)", "(F)")),
            Entry("BUILTIN\\Users", ("(I)", "(OI)", "(CI)", "(RX)")),
        ]
        self.stubborn = stubborn  # a policy that puts an entry back (domain GPO)

    def __call__(self, args: Sequence[str]) -> tuple[int, str]:
        args = list(args)
        self.calls.append(args)
        if args[0] == "whoami":
            return 0, WHOAMI
        assert args[0] == "icacls"
        path = args[1]
        entries = self.acls.setdefault(path, list(self.default))
        if len(args) == 2:
            lines = [f"{e.principal}:{''.join(e.flags)}" for e in entries]
            pad = " " * (len(path) + 1)
            text = path + " " + lines[0] + "\n" + "".join(pad + line + "\n" for line in lines[1:])
            return 0, text + "\nSuccessfully processed 1 files; Failed processing 0 files\n"
        if args[2] == "/inheritance:r":
            assert args[3] == "/grant:r"
            who, rights = args[4].split(":", 1)
            assert who == f"*{SID}"
            kept = [e for e in entries if not e.inherited and e.principal != ME]
            flags = tuple(f"({part})" for part in re.findall(r"\(?([A-Z,]+)\)?", rights))
            self.acls[path] = [Entry(ME, flags), *kept]
            if self.stubborn:
                self.acls[path].append(Entry("BUILTIN\\Users", ("(RX)",)))
            return 0, "processed file: " + path
        if args[2] == "/remove":
            if not self.stubborn:
                self.acls[path] = [e for e in entries if e.principal != args[3]]
            return 0, "processed file: " + path
        raise AssertionError(f"unexpected icacls call {args}")


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIcacls]:
    fake = FakeIcacls()
    monkeypatch.setattr(private, "ON_WINDOWS", True)
    private.use_acl(WindowsAcl(fake))
    yield fake
    private.use_acl(None)


def test_the_command_names_the_current_user_by_sid() -> None:
    acl = WindowsAcl(FakeIcacls())
    folder = Path("C:\\Users\\jo\\AppData\\Local\\SafeLog")
    assert acl.commands(folder, folder=True) == [
        ["icacls", str(folder), "/inheritance:r", "/grant:r", f"*{SID}:(OI)(CI)F"]
    ]
    assert acl.commands(folder / "safelog.db", folder=False) == [
        ["icacls", str(folder / "safelog.db"), "/inheritance:r", "/grant:r", f"*{SID}:F"]
    ]


def test_icacls_output_is_parsed_with_spaces_in_names_and_inheritance() -> None:
    path = Path("C:\\Users\\Jo Bloggs\\AppData\\Local\\SafeLog")
    output = (
        f"{path} SCHOOL\\jo.bloggs:(OI)(CI)(F)\n"
        "                                         NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)\n"
        "                                         BUILTIN\\Users:(I)(DENY)(W,D)\n"
        "\n"
        "Successfully processed 1 files; Failed processing 0 files\n"
    )
    assert parse_icacls(path, output) == [
        Entry("SCHOOL\\jo.bloggs", ("(OI)", "(CI)", "(F)")),
        Entry("NT AUTHORITY\\SYSTEM", ("(I)", "(OI)", "(CI)", "(F)")),
        Entry("BUILTIN\\Users", ("(I)", "(DENY)", "(W,D)")),
    ]


def test_a_folder_other_accounts_may_open_is_found_wrong() -> None:
    acl = WindowsAcl(FakeIcacls())
    found = acl.problems(Path("C:\\data"))
    assert found == [
        "NT AUTHORITY\\SYSTEM may open C:\\data",
        "BUILTIN\\Users may open C:\\data",
    ]


def test_owner_without_full_control_is_found_wrong() -> None:
    acl = WindowsAcl(FakeIcacls(default=[Entry(ME, ("(RX)",))]))
    assert acl.problems(Path("C:\\data")) == ["school\\jo.bloggs lacks full control of C:\\data"]


def test_making_owner_only_drops_inherited_and_explicit_strangers() -> None:
    fake = FakeIcacls(
        default=[
            Entry(ME, ("(I)", "(F)")),
            Entry("Everyone", ("(R)",)),
            Entry("BUILTIN\\Users", ("(I)", "(RX)")),
        ]
    )
    acl = WindowsAcl(fake)
    acl.make_owner_only(Path("C:\\data\\safelog.db"), folder=False)
    assert fake.acls["C:\\data\\safelog.db"] == [Entry(ME, ("(F)",))]
    assert ["icacls", "C:\\data\\safelog.db", "/remove", "Everyone"] in fake.calls
    assert acl.problems(Path("C:\\data\\safelog.db")) == []


def test_an_acl_that_will_not_change_is_refused_in_words() -> None:
    acl = WindowsAcl(FakeIcacls(stubborn=True))
    with pytest.raises(AclError, match=r"could not make C:\\data private to you: BUILTIN\\Users"):
        acl.make_owner_only(Path("C:\\data"), folder=True)


def test_icacls_missing_is_a_clear_message() -> None:
    def no_icacls(args: Sequence[str]) -> tuple[int, str]:
        if args[0] == "whoami":
            return 0, WHOAMI
        raise FileNotFoundError(args[0])

    with pytest.raises(AclError, match=r"icacls \(normally C:\\Windows\\System32"):
        WindowsAcl(no_icacls).problems(Path("C:\\data"))


def test_icacls_failing_is_a_clear_message() -> None:
    def denied(args: Sequence[str]) -> tuple[int, str]:
        return (0, WHOAMI) if args[0] == "whoami" else (5, "Access is denied.")

    with pytest.raises(AclError, match="cannot read who may open"):
        WindowsAcl(denied).problems(Path("C:\\data"))


def test_an_unknown_user_is_a_clear_message() -> None:
    with pytest.raises(AclError, match="who is signed in to Windows"):
        WindowsAcl(lambda args: (1, "")).current_user()


def test_data_dir_database_evidence_and_profiles_take_the_acl_path(
    tmp_path: Path, on_windows: FakeIcacls
) -> None:
    data = tmp_path / "SafeLog"
    engine = make_engine(f"sqlite:///{data / 'safelog.db'}")
    engine.dispose()
    ChunkFolder(data / "evidence", 1024)
    write_private_file(data / "profiles" / "v-u.profile", b"sealed")
    write_private_file(data / "profiles" / "v-u.verified", b"sealed")
    granted = [call[1] for call in on_windows.calls if call[2:3] == ["/inheritance:r"]]
    assert granted == [
        str(data),
        str(data / "safelog.db"),
        str(data / "evidence"),
        str(data / "profiles"),  # once: the folder's entry passes to each profile
    ]
    for path in (data, data / "safelog.db", data / "evidence", data / "profiles"):
        assert WindowsAcl(on_windows).problems(path) == []


def test_a_vault_folder_already_private_is_only_read(
    tmp_path: Path, on_windows: FakeIcacls
) -> None:
    on_windows.default = [Entry(ME, ("(OI)", "(CI)", "(F)"))]
    private.private_folder(tmp_path / "SafeLog")
    assert [call[2:] for call in on_windows.calls if call[0] == "icacls"] == [[]]


def test_posix_keeps_permission_bits_and_reports_loose_ones(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    private.private_folder(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert private.problems(folder) == []
    folder.chmod(0o755)
    assert private.problems(folder) == [
        f"{folder} may be opened by other accounts on this computer (0o755)"
    ]


def test_windows_own_icacls_and_whoami_are_run_never_one_in_the_working_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("SYSTEMROOT", "C:\\Windows")
    assert Path(system_program("icacls")) == Path("C:\\Windows") / "System32" / "icacls.exe"
    assert system_program("whoami").endswith("whoami.exe")
    monkeypatch.setattr("sys.platform", "linux")
    assert system_program("icacls") == "icacls"  # the fakes' world: unchanged off Windows
