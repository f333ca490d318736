#include "clioptions.h"

#include "manpage.h"
#include "protocol.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace longline::cli {

namespace {

constexpr int MaxHistory = 100000;
constexpr int MaxKernelSampleMs = 3600 * 1000;

ParsedArguments failure(const QString &message)
{
    ParsedArguments r;
    r.outcome = ParseOutcome::Error;
    r.message = message;
    return r;
}

bool parseBoundedInt(const QString &text, int min, int max, int *out)
{
    bool ok = false;
    const int v = text.trimmed().toInt(&ok);
    if (!ok || v < min || v > max)
        return false;
    *out = v;
    return true;
}

// The man page, from the same options as --help.
QString manPage(const QList<QCommandLineOption> &options)
{
    ManPage page;
    page.name = QStringLiteral("longline-cli");
    page.summary =
        QStringLiteral("terminal chat client that reports how its connection lives and dies");
    page.synopsis = QStringLiteral("--nick NAME [OPTION]... HOST [PORT]");
    page.description = {
        QStringLiteral("longline-cli connects to a longline-server(1) at HOST (port %1 by "
                       "default), sends each line of standard input as a chat message and prints "
                       "the room's messages on standard output. Connection events (connected, "
                       "liveness options in effect, round trips, the death of the connection with "
                       "its cause and detection time against the budget) go to standard error, as "
                       "text or as JSON lines for scripts.")
            .arg(protocol::DefaultPort),
        QStringLiteral("Commands on standard input: /quit [reason] leaves, /who lists who is "
                       "online (in a room too large for one answer, its first page; /who more "
                       "lists the next); any other line is sent.")};
    page.options = options;
    page.sections = {
        {QStringLiteral("Exit status"),
         {QStringLiteral("0 quit or end of input; 1 usage error; 2 could not connect; 3 declared "
                         "dead by a timeout (heartbeat, keepalive, user timeout, retransmission); "
                         "4 closed or reset by the peer, or a server BYE; 5 nick or password "
                         "refused by the server; 6 the server's TLS certificate is not trusted; "
                         "7 the server broke the protocol (or, with --discover-nat-timeout, does "
                         "not support PROBE); 8 --discover-nat-timeout was interrupted.")}},
        {QStringLiteral("Examples"),
         {QStringLiteral("  longline-cli localhost --nick alice\n"
                         "  longline-cli chat.example 9999 --nick bob --heartbeat 25,10 --tls\n"
                         "  longline-cli localhost --nick dana --keepalive 20,5,3 --events json\n"
                         "  longline-cli --discover-nat-timeout chat.example\n"
                         "  longline-cli chat.example --nick erin --heartbeat 25,10 --adaptive")}}};
    page.seeAlso = {QStringLiteral("longline-server(1)"), QStringLiteral("longline(1)"),
                    QStringLiteral("longline-lab(1)"), QStringLiteral("nc(1)")};
    return renderManPage(page);
}

} // namespace

ParsedArguments parseArguments(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Longline terminal client: chat lines on stdin and stdout, connection "
        "liveness events on stderr.\n"
        "Commands on stdin: /quit [reason], /who, /who more; any other line is sent.\n"
        "Exit status: 0 quit or end of input, 1 usage error, 2 could not connect, "
        "3 declared dead by a timeout, 4 closed or reset by the peer or server "
        "BYE, 5 nick or password refused by the server, 6 TLS certificate not trusted, "
        "7 the server broke the protocol or flooded the client (see docs/protocol.md), "
        "8 --discover-nat-timeout interrupted."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")},
                                     QStringLiteral("Show the version."));
    const QCommandLineOption nick(QStringLiteral("nick"),
                                  QStringLiteral("Nick to chat as (required)."),
                                  QStringLiteral("NAME"));
    const QCommandLineOption keepalive(
        QStringLiteral("keepalive"),
        QStringLiteral("OS TCP keepalive: idle seconds, probe interval seconds, probe count; or "
                       "off (default)."),
        QStringLiteral("IDLE,INTVL,CNT|off"));
    const QCommandLineOption userTimeout(
        QStringLiteral("user-timeout"),
        QStringLiteral("TCP_USER_TIMEOUT in ms: how long sent data may stay unacknowledged; or "
                       "off (default)."),
        QStringLiteral("MS|off"));
    const QCommandLineOption heartbeat(
        QStringLiteral("heartbeat"),
        QStringLiteral("Application PING after INTERVAL s of silence, peer dead after INTERVAL + "
                       "TIMEOUT s; fractions allowed; or off (default)."),
        QStringLiteral("INTERVAL,TIMEOUT|off"));
    const QCommandLineOption events(QStringLiteral("events"),
                                    QStringLiteral("Event format on stderr: text (default) or json "
                                                   "(one object per line)."),
                                    QStringLiteral("text|json"));
    const QCommandLineOption reconnect(
        QStringLiteral("reconnect"),
        QStringLiteral("Reconnect with backoff after failures (default: exit when the connection "
                       "dies)."));
    const QCommandLineOption history(
        QStringLiteral("history"),
        QStringLiteral("Show the last N messages after connecting (default 0)."),
        QStringLiteral("N"));
    const QCommandLineOption kernelSample(
        QStringLiteral("kernel-sample"),
        QStringLiteral("Emit a kernel event (TCP_INFO and timer) every MS ms; 0 = off (default)."),
        QStringLiteral("MS"));
    const QCommandLineOption tls(QStringLiteral("tls"),
                                 QStringLiteral("Encrypt the connection with TLS."));
    const QCommandLineOption tlsCa(
        QStringLiteral("tls-ca"),
        QStringLiteral("Also trust the CA certificates in FILE (PEM); implies --tls."),
        QStringLiteral("FILE"));
    const QCommandLineOption tlsPin(
        QStringLiteral("tls-pin"),
        QStringLiteral("Trust the server certificate with this SHA-256 fingerprint even if it does "
                       "not verify; implies --tls."),
        QStringLiteral("SHA256"));
    const QCommandLineOption passwordFile(
        QStringLiteral("password-file"),
        QStringLiteral("Read the server password from the first line of FILE."),
        QStringLiteral("FILE"));
    const QCommandLineOption discover(
        QStringLiteral("discover-nat-timeout"),
        QStringLiteral("Do not chat: measure how long the path to HOST keeps an idle TCP mapping "
                       "(probe connections left idle for different times), print the result "
                       "and the keep-warm interval it allows, and exit. No --nick needed."));
    const QCommandLineOption resolution(
        QStringLiteral("resolution"),
        QStringLiteral("With --discover-nat-timeout: stop when survivor and casualty are within "
                       "PCT percent of each other (1..50, default 10)."),
        QStringLiteral("PCT"));
    const QCommandLineOption probeRange(
        QStringLiteral("probe-range"),
        QStringLiteral("With --discover-nat-timeout: the shortest and the longest idle time "
                       "tried, in seconds (default 5,3600; the server's --max-probe-delay caps "
                       "the longest)."),
        QStringLiteral("MIN,MAX"));
    const QCommandLineOption adaptive(
        QStringLiteral("adaptive"),
        QStringLiteral("Adaptive keep-warm: measure each network's NAT timeout (or use the "
                       "stored value), run the heartbeat (or, with only --keepalive, its idle) "
                       "at 75 % of it, re-check now and then, and halve the interval at once "
                       "when a keep-warm fails to hold the mapping."));
    const QCommandLineOption adaptiveStore(
        QStringLiteral("adaptive-store"),
        QStringLiteral("Where --adaptive remembers measured values (default "
                       "$XDG_STATE_HOME/longline/paths.ini)."),
        QStringLiteral("FILE"));
    const QCommandLineOption recheck(
        QStringLiteral("recheck"),
        QStringLiteral("With --adaptive: re-check the stored value with one probe every S "
                       "seconds (default 3600)."),
        QStringLiteral("S"));
    QCommandLineOption man(QStringLiteral("man"), QStringLiteral("Print the man page (roff)."));
    man.setFlags(QCommandLineOption::HiddenFromHelp);
    const QList<QCommandLineOption> options{
        help,      version,    nick,         keepalive, userTimeout,   heartbeat, events,
        reconnect, history,    kernelSample, tls,       tlsCa,         tlsPin,    passwordFile,
        discover,  resolution, probeRange,   adaptive,  adaptiveStore, recheck};
    parser.addOptions(options);
    parser.addOption(man);
    parser.addPositionalArgument(QStringLiteral("HOST"),
                                 QStringLiteral("Server host name or address."));
    parser.addPositionalArgument(
        QStringLiteral("PORT"),
        QStringLiteral("Server port (default %1).").arg(protocol::DefaultPort),
        QStringLiteral("[PORT]"));

    if (!parser.parse(arguments))
        return failure(parser.errorText());

    ParsedArguments r;
    if (parser.isSet(help)) {
        r.outcome = ParseOutcome::Help;
        r.message = parser.helpText();
        return r;
    }
    if (parser.isSet(man)) {
        r.outcome = ParseOutcome::ManPage;
        r.message = manPage(options);
        return r;
    }
    if (parser.isSet(version)) {
        r.outcome = ParseOutcome::Version;
        r.message = QStringLiteral("longline-cli %1").arg(QStringLiteral(LONGLINE_VERSION));
        return r;
    }

    CliOptions &o = r.options;
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return failure(QStringLiteral("missing HOST"));
    if (positional.size() > 2)
        return failure(QStringLiteral("too many arguments: %1").arg(positional.mid(2).join(' ')));
    o.host = positional.at(0);
    if (positional.size() == 2) {
        int port = 0;
        if (!parseBoundedInt(positional.at(1), 1, 65535, &port))
            return failure(QStringLiteral("PORT must be 1..65535, got '%1'").arg(positional.at(1)));
        o.port = static_cast<quint16>(port);
    }

    o.tls = parser.isSet(tls) || parser.isSet(tlsCa) || parser.isSet(tlsPin);
    o.tlsCaFile = parser.value(tlsCa);
    o.tlsPin = parser.value(tlsPin);
    if (!o.tlsPin.isEmpty()) {
        QString hex = o.tlsPin;
        hex.remove(QLatin1Char(':'));
        static const QRegularExpression sha256(QStringLiteral("^[0-9A-Fa-f]{64}$"));
        if (!sha256.match(hex).hasMatch())
            return failure(QStringLiteral(
                "--tls-pin wants a SHA-256 fingerprint (64 hex digits, colons allowed)"));
    }
    if (!o.tlsCaFile.isEmpty() && !QFileInfo(o.tlsCaFile).isReadable())
        return failure(QStringLiteral("--tls-ca: cannot read '%1'").arg(o.tlsCaFile));
    if (parser.isSet(passwordFile)) {
        QFile f(parser.value(passwordFile));
        if (!f.open(QIODevice::ReadOnly))
            return failure(QStringLiteral("--password-file: cannot read '%1'").arg(f.fileName()));
        o.password = QString::fromUtf8(f.readLine()).trimmed();
        if (o.password.isEmpty())
            return failure(QStringLiteral("--password-file: '%1' is empty").arg(f.fileName()));
    }

    o.discoverNatTimeout = parser.isSet(discover);
    if (parser.isSet(resolution)) {
        int pct = 0;
        if (!parseBoundedInt(parser.value(resolution), 1, 50, &pct))
            return failure(QStringLiteral("--resolution wants a percentage 1..50, got '%1'")
                               .arg(parser.value(resolution)));
        o.resolution = pct / 100.0;
    }
    if (parser.isSet(probeRange)) {
        const QStringList parts = parser.value(probeRange).split(QLatin1Char(','));
        if (parts.size() != 2 || !parseBoundedInt(parts.at(0), 1, 86400, &o.probeMinS) ||
            !parseBoundedInt(parts.at(1), 1, 86400, &o.probeMaxS) || o.probeMaxS < o.probeMinS)
            return failure(QStringLiteral("--probe-range wants MIN,MAX seconds (1..86400, MIN <= "
                                          "MAX), got '%1'")
                               .arg(parser.value(probeRange)));
    }
    o.adaptive = parser.isSet(adaptive);
    o.adaptiveStore = parser.value(adaptiveStore);
    if (parser.isSet(recheck) && !parseBoundedInt(parser.value(recheck), 1, 86400 * 7, &o.recheckS))
        return failure(QStringLiteral("--recheck wants seconds 1..604800, got '%1'")
                           .arg(parser.value(recheck)));
    if (o.discoverNatTimeout && o.adaptive)
        return failure(QStringLiteral("--discover-nat-timeout measures and exits; --adaptive is "
                                      "for a chat session"));

    if (!o.discoverNatTimeout && !parser.isSet(nick))
        return failure(QStringLiteral("--nick NAME is required"));
    o.nick = parser.value(nick);
    QString why;
    if (!o.discoverNatTimeout && !protocol::isValidNick(o.nick, &why))
        return failure(QStringLiteral("invalid --nick '%1': %2").arg(o.nick, why));

    QString error;
    if (!readLivenessFlags(parser, keepalive, userTimeout, heartbeat, &o.liveness, &error))
        return failure(error);
    if (parser.isSet(events)) {
        const QString e = parser.value(events).trimmed().toLower();
        if (e == QLatin1String("text"))
            o.events = EventFormat::Text;
        else if (e == QLatin1String("json"))
            o.events = EventFormat::Json;
        else
            return failure(
                QStringLiteral("--events wants text or json, got '%1'").arg(parser.value(events)));
    }
    o.reconnect = parser.isSet(reconnect);
    if (parser.isSet(history) && !parseBoundedInt(parser.value(history), 0, MaxHistory, &o.history))
        return failure(QStringLiteral("--history wants a count 0..%1, got '%2'")
                           .arg(MaxHistory)
                           .arg(parser.value(history)));
    if (parser.isSet(kernelSample) &&
        !parseBoundedInt(parser.value(kernelSample), 0, MaxKernelSampleMs, &o.kernelSampleMs))
        return failure(QStringLiteral("--kernel-sample wants milliseconds 0..%1, got '%2'")
                           .arg(MaxKernelSampleMs)
                           .arg(parser.value(kernelSample)));
    r.outcome = ParseOutcome::Run;
    return r;
}

} // namespace longline::cli
