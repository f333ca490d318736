#pragma once
// Everything longline-cli can be told on its command line, and the parser.
// The options, the events (terminalclient.h) and the exit statuses below are
// a contract: the NAT lab scripts parse them.

#include "livenesssettings.h"

#include <QString>
#include <QStringList>

namespace longline::cli {

enum class EventFormat
{
    Text,
    Json
};

// Exit statuses; scripts depend on these numbers.
enum ExitStatus : int
{
    ExitOk = 0,            // the user quit or stdin ended
    ExitUsage = 1,         // bad command line
    ExitConnectFailed = 2, // could not connect
    ExitTimeout = 3,       // declared dead by heartbeat/keepalive/user/retransmit timeout
    ExitClosed = 4,        // closed or reset by the peer, or a server BYE
    ExitRefused = 5,       // the server refused the nick (taken or invalid) or the password
    ExitUntrusted = 6,     // the server's TLS certificate did not verify and is not pinned
    ExitProtocol = 7,      // the server broke the protocol or flooded past a client bound
    ExitCancelled = 8,     // --discover-nat-timeout was interrupted (SIGINT, SIGTERM)
};

struct CliOptions
{
    QString host;
    quint16 port = 9999;
    QString nick;
    // --keepalive, --user-timeout, --heartbeat: as the server takes them.
    // All off by default: the defaults show what a naive client does.
    LivenessSettings liveness;
    // --events: how liveness events are written to stderr.
    EventFormat events = EventFormat::Text;
    // --reconnect: keep reconnecting after failures instead of exiting.
    bool reconnect = false;
    // --history: messages of recent history to show after the first connect.
    int history = 0;
    // --kernel-sample: emit a `kernel` event every this many ms (0 = off).
    int kernelSampleMs = 0;
    // --tls, --tls-ca FILE, --tls-pin SHA256: encrypt and how to trust the server.
    bool tls = false;
    QString tlsCaFile;
    QString tlsPin;
    // --password-file FILE: the server password (first line), never on the
    // command line where `ps` would show it.
    QString password;
    // --discover-nat-timeout: measure how long the path keeps an idle
    // mapping instead of chatting (no --nick needed), with
    // --resolution PCT and --probe-range MIN_S,MAX_S.
    bool discoverNatTimeout = false;
    double resolution = 0.10;
    int probeMinS = 5;
    int probeMaxS = 3600;
    // --adaptive: keep warm just below the measured timeout of each network,
    // remembered in --adaptive-store FILE, re-checked every --recheck S.
    bool adaptive = false;
    QString adaptiveStore;
    int recheckS = 3600;
};

enum class ParseOutcome
{
    Run,
    Help,
    Version,
    ManPage, // hidden --man: message is the roff man page
    Error
};

struct ParsedArguments
{
    ParseOutcome outcome = ParseOutcome::Error;
    CliOptions options;
    QString message; // help or version text, or the error, for the console
};

// Parses argv (argv[0] included). Never exits; main() decides.
ParsedArguments parseArguments(const QStringList &arguments);

} // namespace longline::cli
