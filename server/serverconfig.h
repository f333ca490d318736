#pragma once
// Everything longline-server can be told, on its command line or in its
// configuration file, with the defaults the product issues ask for, and the
// parser for both. The settings themselves are listed once, in
// serveroptions.cpp; the comments here say what each field holds.

#include "livenesssettings.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>
#include <chrono>

namespace longline::server {

using namespace std::chrono_literals;

struct ServerConfig
{
    // --listen HOST:PORT. Port 0 lets the kernel pick; the listen log line
    // tells which. "[::]" listens on IPv6 and IPv4 alike.
    QHostAddress address{QHostAddress::AnyIPv4};
    quint16 port = 9999;

    // --keepalive, --user-timeout, --heartbeat: applied to every accepted
    // socket. Kernel keepalive is off by default as in the kernel; the
    // heartbeat is on (15 s of silence, then 10 s for an answer).
    LivenessSettings liveness = defaultLiveness();

    // --min-client-ping: client PINGs closer together are refused (429).
    // 0 accepts any rate.
    Millis minClientPing{1000};
    // --max-line: the longest line accepted, terminator excluded.
    int maxLine = 4096;
    // --max-clients: connections held at once; more are refused with 503.
    int maxClients = 10000;
    // --loops: event-loop threads serving clients, each with its share of
    // the plain-TCP clients (TLS clients stay on the first); 0 = one per
    // CPU the process may run on. Only a restart changes it.
    int loops = 0;
    // --max-per-address: connections from one IP address at once.
    int maxPerAddress = 64;
    // --rate: chat messages (SAY, SAYID) accepted per client per 10 s;
    // 0 = unlimited.
    int ratePer10s = 50;
    // --db: SQLite history; ":memory:" keeps it in RAM for tests.
    QString dbPath;
    // --max-history: most messages in one HISTORY answer (maxhist).
    int maxHistory = 500;
    // --log: log file (appended); empty = stderr.
    QString logPath;
    // --log-summary-interval: a run of alike events (one connection's
    // errors, failed passwords from anywhere) logs its first line, then one
    // count per interval.
    Millis logSummaryInterval = 60s;
    // --line-timeout: a partial line that gets no newline for this long
    // (a slow or stuck sender) ends the connection.
    Millis lineTimeout = DefaultLineTimeout;
    // --register-timeout: a connection that has not said HELLO this long
    // after it was accepted is closed (it holds a descriptor, nothing else).
    Millis registrationTimeout = 60s;
    // --handshake-timeout: a TLS connection whose handshake is not done this
    // long after it was accepted is cut, whatever the heartbeat settings.
    Millis handshakeTimeout = 10s;
    // --max-probe-delay: the longest PROBE a client may ask for (the server
    // then keeps a silent connection that long; counted against --rate).
    Millis maxProbeDelay = 3600s;
    // --presence-limit: in a room with more members than this, JOIN and
    // LEAVE are no longer sent to everyone (a mass reconnect of N clients
    // would be N^2 lines); members get "MEMBERS <count>" at most once a
    // second instead and page through WHO. 0 = always announce.
    int presenceLimit = 200;
    // --max-output: unsent output a client may leave queued before it is
    // dropped as a slow reader; bounds memory per connection.
    qint64 maxOutputBytes = DefaultMaxOutputBytes;
    // --max-output-total: unsent output of all clients together. Past it
    // the clients furthest behind are dropped first, until the total is
    // back under three quarters of it; bounds the memory slow readers can
    // pin however many there are (max-clients x max-output would not).
    qint64 maxOutputTotal = DefaultMaxOutputTotal;
    // --tls-cert, --tls-key: PEM certificate (chain) and key; both set = TLS
    // on the listening port, neither = plain TCP.
    QString tlsCertPath;
    QString tlsKeyPath;
    // --password-file: first line of the file; clients must send it with
    // PASS before HELLO. Empty = no password. Never logged.
    QString password;
    QString passwordFile; // where it was read from, for --check-config

    // --metrics HOST:PORT: Prometheus text at http://HOST:PORT/metrics.
    // Off by default; meant for a private address.
    bool metricsEnabled = false;
    QHostAddress metricsAddress{QHostAddress::LocalHost};
    quint16 metricsPort = 0;
    // --admin-socket: the operator's control socket (status, kick, ban);
    // empty = AdminSocket::defaultPath().
    QString adminSocket;

    // The configuration file that was read; empty when none was.
    QString configFile;

    static constexpr Millis DefaultLineTimeout = 30s;
    static constexpr qint64 DefaultMaxOutputBytes = 1024 * 1024;
    static constexpr qint64 DefaultMaxOutputTotal = 64 * 1024 * 1024;
    // Read when it exists and no --config is given (LONGLINE_CONFIG_FILE
    // at configure time).
    static constexpr const char *DefaultConfigFile = LONGLINE_CONFIG_FILE;

    static LivenessSettings defaultLiveness();
    // $STATE_DIRECTORY/history.db under systemd, else a file in the
    // application data directory (created when missing).
    static QString defaultDbPath();
    QString listenText() const; // "127.0.0.1:9999", "[::]:9999"
    static QString endpointText(const QHostAddress &address, quint16 port);
};

// The first words of `longline-server status|kick|ban|unban ...`.
extern const QStringList AdminCommands;

enum class ParseOutcome
{
    Run,
    Help,
    Version,
    CheckConfig,   // --check-config: valid; message holds the effective settings
    ManPage,       // hidden --man: message is the roff page
    DefaultConfig, // hidden --default-config: message is the commented server.conf
    Admin,         // status, kick, ban, unban: adminCommand holds the words
    Error
};

struct ParsedArguments
{
    ParseOutcome outcome = ParseOutcome::Error;
    ServerConfig config;
    QString message;          // the text to print (help, version, report) or the error
    QStringList adminCommand; // with Admin: "status" "--json", "kick" "dana" ...
    bool takeOver = false;    // with Run: --take-over
};

// Parses argv (argv[0] included) on top of the configuration file: the one
// named by --config, else `defaultConfigFile` when it exists. Never exits;
// main() decides. Errors in the file name it and the line.
ParsedArguments parseArguments(
    const QStringList &arguments,
    const QString &defaultConfigFile = QString::fromLatin1(ServerConfig::DefaultConfigFile));

// "HOST:PORT", "[V6]:PORT", "*:PORT" or ":PORT". Exposed for tests.
bool parseListen(const QString &text, QHostAddress *address, quint16 *port, QString *error);

} // namespace longline::server
