; Inno Setup script for SafeLog on Windows: packs the PyInstaller folder build into one
; installer. Build on Windows, from the repository root (Git Bash; see README.md here and
; .github/workflows/windows.yml):
;   bash packaging/pyinstaller/build.sh                    (makes dist\SafeLog\)
;   iscc /DAppVersion=<version> packaging\windows\safelog.iss  (dist\SafeLog-setup-<version>.exe)
; It installs per user (no administrator rights), like the vault it opens, which lives in
; %LOCALAPPDATA%\SafeLog and is never touched by install, upgrade or uninstall.

#define AppName "SafeLog"
; The workflow passes the version from pyproject.toml; this default is checked against it by
; tests/unit/test_windows_packaging.py.
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
; Paths are relative to this file.
#define Repo "..\.."
#define Dist Repo + "\dist\SafeLog"

[Setup]
AppId={{5B0C7E9A-3F3B-4C59-9C55-6A0E1C2D4F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=SafeLog
; Per user (%LOCALAPPDATA%\Programs\SafeLog) without administrator rights; /ALLUSERS on the
; command line installs for every user of the PC (Program Files) instead. Either way each
; Windows user's vault stays in their own %LOCALAPPDATA%\SafeLog.
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
OutputDir={#Repo}\dist
OutputBaseFilename=SafeLog-setup-{#AppVersion}
SetupIconFile={#Repo}\resources\icons\safelog.ico
UninstallDisplayIcon={app}\SafeLog.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern
; Signing (README.md here): iscc /DSIGN "/Ssigntool=signtool sign ... $f" signs the installer
; and the uninstaller on the machine that holds the certificate.
#ifdef SIGN
SignTool=signtool
SignedUninstaller=yes
#endif

[InstallDelete]
; An update replaces the old build's files whole, so none of them is left to be loaded by the
; new one. The vault (%LOCALAPPDATA%\SafeLog) is elsewhere and never touched.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Dist}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\SafeLog.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\SafeLog.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\SafeLog.exe"; Description: "Start SafeLog"; Flags: nowait postinstall skipifsilent
