#include "serverconfig.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <cmath>

namespace longline::server {

namespace {

// Integer flag in [min, max]; sets *error naming the flag otherwise.
bool parseInt(const QString &flag, const QString &text, qint64 min, qint64 max, qint64 *out,
              QString *error)
{
    bool ok = false;
    const qint64 v = text.trimmed().toLongLong(&ok);
    if (!ok || v < min || v > max) {
        *error = QStringLiteral("--%1 wants a whole number from %2 to %3, got '%4'")
                     .arg(flag)
                     .arg(min)
                     .arg(max)
                     .arg(text);
        return false;
    }
    *out = v;
    return true;
}

bool parseSecondsFlag(const QString &flag, const QString &text, double min, double max, Millis *out,
                      QString *error)
{
    bool ok = false;
    const double v = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < min || v > max) {
        *error = QStringLiteral("--%1 wants seconds from %2 to %3 (fractions allowed), got '%4'")
                     .arg(flag)
                     .arg(min)
                     .arg(max)
                     .arg(text);
        return false;
    }
    *out = Millis{std::llround(v * 1000.0)};
    return true;
}

} // namespace

LivenessSettings ServerConfig::defaultLiveness()
{
    LivenessSettings s;
    s.keepalive.enabled = false;
    s.userTimeout = Millis{0};
    s.heartbeat.enabled = true;
    s.heartbeat.interval = 15s;
    s.heartbeat.timeout = 10s;
    return s;
}

QString ServerConfig::defaultDbPath()
{
    // systemd's StateDirectory= exports the path(s), colon separated.
    const QString state = qEnvironmentVariable("STATE_DIRECTORY");
    if (!state.isEmpty())
        return state.split(QLatin1Char(':')).first() + QStringLiteral("/history.db");
    QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.local/share/longline-server");
    QDir().mkpath(dir);
    return dir + QStringLiteral("/history.db");
}

QString ServerConfig::listenText() const
{
    if (address == QHostAddress(QHostAddress::Any))
        return QStringLiteral("[::]:%1").arg(port);
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

bool parseListen(const QString &text, QHostAddress *address, quint16 *port, QString *error)
{
    const QString t = text.trimmed();
    QString host;
    QString portText;
    if (t.startsWith(QLatin1Char('['))) {
        const int close = t.indexOf(QLatin1Char(']'));
        if (close < 0 || close + 1 >= t.size() || t.at(close + 1) != QLatin1Char(':')) {
            *error = QStringLiteral("--listen wants [IPV6]:PORT, got '%1'").arg(text);
            return false;
        }
        host = t.mid(1, close - 1);
        portText = t.mid(close + 2);
    } else {
        const int colon = t.lastIndexOf(QLatin1Char(':'));
        if (colon < 0 || t.indexOf(QLatin1Char(':')) != colon) {
            *error = QStringLiteral("--listen wants HOST:PORT (IPv6 as [ADDR]:PORT), got '%1'")
                         .arg(text);
            return false;
        }
        host = t.left(colon);
        portText = t.mid(colon + 1);
    }
    bool ok = false;
    const int p = portText.toInt(&ok);
    if (!ok || p < 0 || p > 65535) {
        *error = QStringLiteral("--listen port must be 0..65535, got '%1'").arg(portText);
        return false;
    }
    QHostAddress a;
    if (host.isEmpty() || host == QLatin1String("*"))
        a = QHostAddress(QHostAddress::AnyIPv4);
    else if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        a = QHostAddress(QHostAddress::LocalHost);
    else if (!a.setAddress(host)) {
        *error = QStringLiteral("--listen wants a numeric IP address, got '%1'").arg(host);
        return false;
    }
    // "[::]" means every address, IPv4 included (dual stack), as in most
    // servers; Qt's AnyIPv6 alone would refuse IPv4 clients.
    if (a == QHostAddress(QHostAddress::AnyIPv6))
        a = QHostAddress(QHostAddress::Any);
    *address = a;
    *port = static_cast<quint16>(p);
    return true;
}

ParsedArguments parseArguments(const QStringList &arguments)
{
    ParsedArguments result;
    ServerConfig &c = result.config;

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Longline chat server: a line protocol over long-lived TCP connections, with kernel "
        "keepalive, TCP user timeout and application heartbeats to notice dead peers."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help and exit."));
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")},
                                     QStringLiteral("Show the version and exit."));
    const QCommandLineOption listen(
        QStringLiteral("listen"),
        QStringLiteral("Address and port to listen on (default 0.0.0.0:9999; [::]:9999 for "
                       "IPv6 and IPv4; port 0 picks a free port)."),
        QStringLiteral("HOST:PORT"));
    const QCommandLineOption keepalive(
        QStringLiteral("keepalive"),
        QStringLiteral("TCP keepalive on each client socket: idle s, probe interval s, probe "
                       "count, or off (default off)."),
        QStringLiteral("IDLE,INTVL,CNT|off"));
    const QCommandLineOption userTimeout(
        QStringLiteral("user-timeout"),
        QStringLiteral("TCP_USER_TIMEOUT in ms on each client socket, or off (default off)."),
        QStringLiteral("MS|off"));
    const QCommandLineOption heartbeat(
        QStringLiteral("heartbeat"),
        QStringLiteral("PING a client after INTERVAL s of silence, drop it after INTERVAL + "
                       "TIMEOUT s; fractions allowed, or off (default 15,10)."),
        QStringLiteral("INTERVAL,TIMEOUT|off"));
    const QCommandLineOption minPing(
        QStringLiteral("min-client-ping"),
        QStringLiteral("Shortest interval between client PINGs in s; faster ones get ERR 429, "
                       "3 strikes in a minute disconnect (default 1; 0 = no limit)."),
        QStringLiteral("SECONDS"));
    const QCommandLineOption maxLine(
        QStringLiteral("max-line"),
        QStringLiteral("Longest line accepted in bytes (default 4096)."), QStringLiteral("BYTES"));
    const QCommandLineOption maxClients(QStringLiteral("max-clients"),
                                        QStringLiteral("Most connections at once (default 10000)."),
                                        QStringLiteral("N"));
    const QCommandLineOption maxPerAddress(
        QStringLiteral("max-per-address"),
        QStringLiteral("Most connections from one IP address (default 64)."), QStringLiteral("N"));
    const QCommandLineOption rate(
        QStringLiteral("rate"),
        QStringLiteral("Chat messages accepted per client per 10 s (default 50; 0 = no limit)."),
        QStringLiteral("MSGS_PER_10S"));
    const QCommandLineOption db(
        QStringLiteral("db"),
        QStringLiteral("SQLite history file, or :memory: (default $STATE_DIRECTORY/history.db "
                       "or the application data directory)."),
        QStringLiteral("PATH"));
    const QCommandLineOption maxHistory(
        QStringLiteral("max-history"),
        QStringLiteral("Most messages in one HISTORY answer (default 500)."), QStringLiteral("N"));
    const QCommandLineOption log(QStringLiteral("log"),
                                 QStringLiteral("Append the event log to FILE (default stderr)."),
                                 QStringLiteral("FILE"));
    const QCommandLineOption logSummary(
        QStringLiteral("log-summary-interval"),
        QStringLiteral("Log the first of a run of errors or failed passwords, then one count per "
                       "this many s (default 60)."),
        QStringLiteral("SECONDS"));
    const QCommandLineOption lineTimeout(
        QStringLiteral("line-timeout"),
        QStringLiteral("Drop a client whose unfinished line gets no newline for this many s "
                       "(default 30)."),
        QStringLiteral("SECONDS"));
    const QCommandLineOption registerTimeout(
        QStringLiteral("register-timeout"),
        QStringLiteral("Close a client that has not said HELLO after this many s (default 60)."),
        QStringLiteral("SECONDS"));
    const QCommandLineOption handshakeTimeout(
        QStringLiteral("handshake-timeout"),
        QStringLiteral("Cut a TLS client whose handshake is not done after this many s "
                       "(default 10)."),
        QStringLiteral("SECONDS"));
    const QCommandLineOption maxOutput(
        QStringLiteral("max-output"),
        QStringLiteral("Drop a client that leaves more than BYTES of output unread (default "
                       "1048576)."),
        QStringLiteral("BYTES"));
    const QCommandLineOption tlsCert(
        QStringLiteral("tls-cert"),
        QStringLiteral("PEM certificate (chain) for TLS; needs --tls-key."),
        QStringLiteral("FILE"));
    const QCommandLineOption tlsKey(
        QStringLiteral("tls-key"),
        QStringLiteral("PEM private key (RSA or EC, unencrypted) for TLS."),
        QStringLiteral("FILE"));
    const QCommandLineOption passwordFile(
        QStringLiteral("password-file"),
        QStringLiteral("Require the password in the first line of FILE (PASS before HELLO)."),
        QStringLiteral("FILE"));
    parser.addOptions(
        {help,       version,      listen,          keepalive,       userTimeout, heartbeat,
         minPing,    maxLine,      maxClients,      maxPerAddress,   rate,        db,
         maxHistory, log,          logSummary,      lineTimeout,     maxOutput,   tlsCert,
         tlsKey,     passwordFile, registerTimeout, handshakeTimeout});

    if (!parser.parse(arguments)) {
        result.message = parser.errorText();
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        result.message =
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first());
        return result;
    }
    if (parser.isSet(help)) {
        result.outcome = ParseOutcome::Help;
        result.message = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.outcome = ParseOutcome::Version;
        result.message =
            QStringLiteral("longline-server %1\n").arg(QLatin1String(LONGLINE_VERSION));
        return result;
    }

    QString &error = result.message;
    if (parser.isSet(listen) && !parseListen(parser.value(listen), &c.address, &c.port, &error))
        return result;
    if (!readLivenessFlags(parser, keepalive, userTimeout, heartbeat, &c.liveness, &error))
        return result;
    if (parser.isSet(minPing) &&
        !parseSecondsFlag(QStringLiteral("min-client-ping"), parser.value(minPing), 0, 3600,
                          &c.minClientPing, &error))
        return result;
    if (parser.isSet(logSummary) &&
        !parseSecondsFlag(QStringLiteral("log-summary-interval"), parser.value(logSummary), 0.05,
                          86400, &c.logSummaryInterval, &error))
        return result;
    if (parser.isSet(lineTimeout)) {
        if (!parseSecondsFlag(QStringLiteral("line-timeout"), parser.value(lineTimeout), 0.05,
                              86400, &c.lineTimeout, &error))
            return result;
    }
    if (parser.isSet(registerTimeout) &&
        !parseSecondsFlag(QStringLiteral("register-timeout"), parser.value(registerTimeout), 0.1,
                          86400, &c.registrationTimeout, &error))
        return result;
    if (parser.isSet(handshakeTimeout) &&
        !parseSecondsFlag(QStringLiteral("handshake-timeout"), parser.value(handshakeTimeout), 0.1,
                          3600, &c.handshakeTimeout, &error))
        return result;
    qint64 v = 0;
    // Below 64 bytes not even HELLO with a session key fits.
    if (parser.isSet(maxLine)) {
        if (!parseInt(QStringLiteral("max-line"), parser.value(maxLine), 64, 1 << 20, &v, &error))
            return result;
        c.maxLine = static_cast<int>(v);
    }
    if (parser.isSet(maxClients)) {
        if (!parseInt(QStringLiteral("max-clients"), parser.value(maxClients), 1, 10000000, &v,
                      &error))
            return result;
        c.maxClients = static_cast<int>(v);
    }
    if (parser.isSet(maxPerAddress)) {
        if (!parseInt(QStringLiteral("max-per-address"), parser.value(maxPerAddress), 1, 10000000,
                      &v, &error))
            return result;
        c.maxPerAddress = static_cast<int>(v);
    }
    if (parser.isSet(rate)) {
        if (!parseInt(QStringLiteral("rate"), parser.value(rate), 0, 1000000, &v, &error))
            return result;
        c.ratePer10s = static_cast<int>(v);
    }
    if (parser.isSet(maxHistory)) {
        if (!parseInt(QStringLiteral("max-history"), parser.value(maxHistory), 1, 100000, &v,
                      &error))
            return result;
        c.maxHistory = static_cast<int>(v);
    }
    if (parser.isSet(maxOutput)) {
        if (!parseInt(QStringLiteral("max-output"), parser.value(maxOutput), 4096, qint64(1) << 32,
                      &v, &error))
            return result;
        c.maxOutputBytes = v;
    }
    if (parser.isSet(tlsCert) != parser.isSet(tlsKey)) {
        error = QStringLiteral("--tls-cert and --tls-key go together");
        return result;
    }
    c.tlsCertPath = parser.value(tlsCert);
    c.tlsKeyPath = parser.value(tlsKey);
    if (parser.isSet(passwordFile)) {
        QFile f(parser.value(passwordFile));
        if (!f.open(QIODevice::ReadOnly)) {
            error = QStringLiteral("--password-file: cannot read '%1'").arg(f.fileName());
            return result;
        }
        c.password = QString::fromUtf8(f.readLine()).trimmed();
        if (c.password.isEmpty()) {
            error = QStringLiteral("--password-file: '%1' is empty").arg(f.fileName());
            return result;
        }
    }
    if (parser.isSet(db)) {
        c.dbPath = parser.value(db);
        if (c.dbPath.isEmpty()) {
            error = QStringLiteral("--db wants a file path or :memory:");
            return result;
        }
    }
    if (parser.isSet(log)) {
        c.logPath = parser.value(log);
        if (c.logPath.isEmpty()) {
            error = QStringLiteral("--log wants a file path");
            return result;
        }
    }
    result.outcome = ParseOutcome::Run;
    return result;
}

} // namespace longline::server
