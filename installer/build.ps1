# Build Planner for Windows: a one-folder PyInstaller bundle, checked with its own --self-test, then the
# Inno Setup installer. Run from a "Developer PowerShell" with Python 3.11+ and Inno Setup 6 installed:
#   powershell -ExecutionPolicy Bypass -File installer\build.ps1
# Signing (for a district with a code-signing certificate): set PLANNER_SIGN_CERT to the certificate's
# thumbprint; the script signs Planner.exe before packaging and the installer after, with signtool from
# the Windows SDK and an RFC 3161 timestamp so the signature outlives the certificate.
$ErrorActionPreference = "Stop"
$root = Split-Path -Parent $PSScriptRoot
Set-Location $root

$version = (python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])").Trim()
Write-Host "Building Planner $version"

python -m venv build\venv
& build\venv\Scripts\python -m pip install --quiet --upgrade pip
& build\venv\Scripts\python -m pip install --quiet . "pyinstaller>=6.10,<7"
& build\venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath build\dist --workpath build\work installer\planner.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# The frozen program must pass its own self-test (a windowed build writes planner-self-test.log).
Push-Location build
Remove-Item -ErrorAction SilentlyContinue planner-self-test.log
$test = Start-Process -FilePath dist\Planner\Planner.exe -ArgumentList "--self-test" -Wait -PassThru
Get-Content planner-self-test.log
if ($test.ExitCode -ne 0) { throw "The frozen self-test failed" }
Pop-Location

function Sign($file) {
  if ($env:PLANNER_SIGN_CERT) {
    signtool sign /sha1 $env:PLANNER_SIGN_CERT /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 $file
    if ($LASTEXITCODE -ne 0) { throw "Signing $file failed" }
  }
}
Sign "build\dist\Planner\Planner.exe"

$iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
& $iscc "/DAppVersion=$version" "/DSourceDir=$root\build\dist\Planner" installer\planner.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Sign "build\installer\PlannerSetup-$version.exe"
Write-Host "Built build\installer\PlannerSetup-$version.exe"
