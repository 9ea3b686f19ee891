; Inno Setup script for Planner: a per-user install (no administrator rights), a Start menu entry, a clean
; uninstall that leaves the user's plan files and backups where they are, and silent install for district IT:
;   PlannerSetup-<version>.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Built by installer/build.ps1, which passes the name and version read from pyproject.toml:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\build\dist\Planner installer\planner.iss

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z (build.ps1 reads it from pyproject.toml)
#endif
#ifndef SourceDir
  #define SourceDir "..\build\dist\Planner"
#endif

[Setup]
; The AppId never changes: it is how Windows knows a new version updates this program.
AppId={{6F1C2B7E-4B0A-4E3B-9C5D-2A8E7F31D4C9}
AppName=Planner
AppVersion={#AppVersion}
AppPublisher=Planner
AppVerName=Planner {#AppVersion}
DefaultDirName={localappdata}\Programs\Planner
DefaultGroupName=Planner
DisableProgramGroupPage=yes
DisableDirPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\build\installer
OutputBaseFilename=PlannerSetup-{#AppVersion}
SetupIconFile=..\resources\icons\planner.ico
UninstallDisplayIcon={app}\Planner.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; Closing a running Planner before updating keeps its plan file consistent (SQLite, one writer).
CloseApplications=yes
RestartApplications=no

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Planner"; Filename: "{app}\Planner.exe"
Name: "{userdesktop}\Planner"; Filename: "{app}\Planner.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\Planner.exe"; Description: "Start Planner"; Flags: nowait postinstall skipifsilent

; Nothing in [UninstallDelete]: plan files, backups, logs and settings live in %LOCALAPPDATA%\Planner\Planner
; (not in {app}), and uninstalling removes only what [Files] installed, so a user's plans survive an
; uninstall and a reinstall.
