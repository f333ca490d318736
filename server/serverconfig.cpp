#include "serverconfig.h"

#include "configfile.h"
#include "serveroptions.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QMap>
#include <QStandardPaths>

namespace longline::server {

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
    return endpointText(address, port);
}

QString ServerConfig::endpointText(const QHostAddress &address, quint16 port)
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
            *error = QStringLiteral("expected [IPV6]:PORT, got '%1'").arg(text);
            return false;
        }
        host = t.mid(1, close - 1);
        portText = t.mid(close + 2);
    } else {
        const int colon = t.lastIndexOf(QLatin1Char(':'));
        if (colon < 0 || t.indexOf(QLatin1Char(':')) != colon) {
            *error = QStringLiteral("expected HOST:PORT (IPv6 as [ADDR]:PORT), got '%1'").arg(text);
            return false;
        }
        host = t.left(colon);
        portText = t.mid(colon + 1);
    }
    bool ok = false;
    const int p = portText.toInt(&ok);
    if (!ok || p < 0 || p > 65535) {
        *error = QStringLiteral("expected a port from 0 to 65535, got '%1'").arg(portText);
        return false;
    }
    QHostAddress a;
    if (host.isEmpty() || host == QLatin1String("*"))
        a = QHostAddress(QHostAddress::AnyIPv4);
    else if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        a = QHostAddress(QHostAddress::LocalHost);
    else if (!a.setAddress(host)) {
        *error = QStringLiteral("expected a numeric IP address, got '%1'").arg(host);
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

namespace {

// Applies the file's entries in order; false with *error at the first
// unknown key, repeated key or bad value.
bool applyConfigFile(const ConfigFile &file, ServerConfig *config, SettingOrigins *origins,
                     QString *error)
{
    QMap<QString, int> seenAt;
    const QDir base = QFileInfo(file.path).absoluteDir();
    for (const ConfigEntry &entry : file.entries) {
        const ServerOption *option = findServerOption(entry.key);
        if (!option) {
            *error = QStringLiteral("%1: unknown key '%2' (longline-server --help lists them)")
                         .arg(file.where(entry.line), entry.key);
            return false;
        }
        if (seenAt.contains(entry.key)) {
            *error = QStringLiteral("%1: %2 is already set on line %3")
                         .arg(file.where(entry.line), entry.key)
                         .arg(seenAt.value(entry.key));
            return false;
        }
        seenAt.insert(entry.key, entry.line);
        QString value = entry.value;
        if (option->isPath && !value.isEmpty() && value != QLatin1String(":memory:"))
            value = base.absoluteFilePath(value);
        QString why;
        if (!option->apply(*config, value, &why)) {
            *error = QStringLiteral("%1: %2: %3").arg(file.where(entry.line), entry.key, why);
            return false;
        }
        origins->insert(entry.key, file.where(entry.line));
    }
    return true;
}

} // namespace

const QStringList AdminCommands = {QStringLiteral("status"), QStringLiteral("kick"),
                                   QStringLiteral("ban"), QStringLiteral("unban")};

ParsedArguments parseArguments(const QStringList &arguments, const QString &defaultConfigFile)
{
    ParsedArguments result;
    ServerConfig &c = result.config;
    QString &error = result.message;

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Longline chat server: a line protocol over long-lived TCP connections, "
                       "with kernel keepalive, TCP user timeout and application heartbeats to "
                       "notice dead peers.\nA running server is asked through its admin socket: "
                       "'longline-server status [--json]' lists the connections, 'kick NICK|"
                       "ADDRESS' closes them, 'ban ADDRESS [SECONDS]' and 'unban ADDRESS' keep an "
                       "address out.\nEvery option below is also a key in the "
                       "configuration file (%1 when it exists, or --config FILE); flags "
                       "override the file.")
            .arg(QLatin1String(ServerConfig::DefaultConfigFile)));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help and exit."));
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")},
                                     QStringLiteral("Show the version and exit."));
    const QCommandLineOption configOption(
        QStringLiteral("config"),
        QStringLiteral("Read settings from FILE (default %1 when it exists).")
            .arg(QLatin1String(ServerConfig::DefaultConfigFile)),
        QStringLiteral("FILE"));
    const QCommandLineOption checkConfig(
        QStringLiteral("check-config"),
        QStringLiteral("Validate the configuration file and the flags, print every setting in "
                       "force and where it came from, and exit."));
    const QCommandLineOption takeOver(
        QStringLiteral("take-over"),
        QStringLiteral("Start by taking over the listening socket and the plain-TCP clients of "
                       "the server answering at the admin socket, which then exits: a restart "
                       "or upgrade without systemd in which those clients see no disconnect "
                       "(under systemd, `systemctl restart` does this through its file "
                       "descriptor store)."));
    QCommandLineOption man(QStringLiteral("man"), QStringLiteral("Print the man page (roff)."));
    man.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption defaultConfig(QStringLiteral("default-config"),
                                     QStringLiteral("Print the commented default server.conf."));
    defaultConfig.setFlags(QCommandLineOption::HiddenFromHelp);
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("With status: one JSON object, for scripts."));
    const QList<QCommandLineOption> general{help,        version,  configOption,
                                            checkConfig, takeOver, json};
    parser.addOptions(general);
    parser.addOptions({man, defaultConfig});
    for (const ServerOption &option : serverOptions())
        parser.addOption(QCommandLineOption(option.key, option.description(), option.valueName));

    if (!parser.parse(arguments)) {
        error = parser.errorText();
        return result;
    }
    // `longline-server status|kick|ban|unban ...` talks to a running server.
    const QStringList positional = parser.positionalArguments();
    const bool admin = !positional.isEmpty() && AdminCommands.contains(positional.first());
    if (!positional.isEmpty() && !admin) {
        error = QStringLiteral("unexpected argument '%1'").arg(positional.first());
        return result;
    }
    if (parser.isSet(json) && !admin) {
        error = QStringLiteral("--json goes with status");
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
    if (parser.isSet(man)) {
        result.outcome = ParseOutcome::ManPage;
        result.message = serverManPage(general);
        return result;
    }
    if (parser.isSet(defaultConfig)) {
        result.outcome = ParseOutcome::DefaultConfig;
        result.message = defaultConfigText();
        return result;
    }

    // Defaults, then the file, then the flags: the last one wins.
    SettingOrigins origins;
    if (parser.isSet(configOption))
        c.configFile = parser.value(configOption);
    else if (!defaultConfigFile.isEmpty() && QFileInfo::exists(defaultConfigFile))
        c.configFile = defaultConfigFile;
    if (!c.configFile.isEmpty()) {
        ConfigFile file;
        if (!ConfigFile::read(c.configFile, &file, &error) ||
            !applyConfigFile(file, &c, &origins, &error))
            return result;
    }
    for (const ServerOption &option : serverOptions()) {
        if (!parser.isSet(option.key))
            continue;
        QString why;
        if (!option.apply(c, parser.value(option.key), &why)) {
            error = QStringLiteral("--%1: %2").arg(option.key, why);
            return result;
        }
        origins.insert(option.key, QStringLiteral("--") + option.key);
    }
    if (c.tlsCertPath.isEmpty() != c.tlsKeyPath.isEmpty()) {
        const QString given =
            c.tlsCertPath.isEmpty() ? QStringLiteral("tls-key") : QStringLiteral("tls-cert");
        error = QStringLiteral("tls-cert and tls-key go together, but only %1 is set (%2)")
                    .arg(given, origins.value(given));
        return result;
    }
    if (admin) {
        result.outcome = ParseOutcome::Admin;
        result.adminCommand = positional;
        if (parser.isSet(json))
            result.adminCommand.append(QStringLiteral("--json"));
        return result;
    }
    if (parser.isSet(checkConfig)) {
        // The certificate and key are only known good once they load.
        if (!c.tlsCertPath.isEmpty() && !checkTlsFiles(c.tlsCertPath, c.tlsKeyPath, &error))
            return result;
        result.outcome = ParseOutcome::CheckConfig;
        result.message = effectiveSettingsText(c, origins);
        return result;
    }
    result.outcome = ParseOutcome::Run;
    result.takeOver = parser.isSet(takeOver);
    return result;
}

} // namespace longline::server
