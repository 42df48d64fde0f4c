; Inno Setup script for SafeLog on Windows: packs the PyInstaller folder build into one
; installer. Build on Windows, from the repository root:
;   pyinstaller packaging\pyinstaller\safelog.spec        (makes dist\SafeLog\)
;   iscc packaging\windows\safelog.iss                     (makes dist\SafeLog-setup-<version>.exe)
; It installs per user (no administrator rights), like the vault it opens, which lives in
; %LOCALAPPDATA%\SafeLog and is never touched by install, upgrade or uninstall.

#define AppName "SafeLog"
#define AppVersion "0.1.0"
; Paths are relative to this file.
#define Repo "..\.."
#define Dist Repo + "\dist\SafeLog"

[Setup]
AppId={{5B0C7E9A-3F3B-4C59-9C55-6A0E1C2D4F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=SafeLog
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputDir={#Repo}\dist
OutputBaseFilename=SafeLog-setup-{#AppVersion}
SetupIconFile={#Repo}\resources\icons\safelog.ico
UninstallDisplayIcon={app}\SafeLog.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern

[Files]
Source: "{#Dist}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\SafeLog.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\SafeLog.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\SafeLog.exe"; Description: "Start SafeLog"; Flags: nowait postinstall skipifsilent
