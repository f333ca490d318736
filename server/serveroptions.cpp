#include "serveroptions.h"

#include "manpage.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QStringList>
#include <cmath>

namespace longline::server {

namespace {

bool fail(QString *error, const QString &text)
{
    *error = text;
    return false;
}

bool parseInteger(const QString &text, qint64 min, qint64 max, qint64 *out, QString *error)
{
    bool ok = false;
    const qint64 v = text.trimmed().toLongLong(&ok);
    if (!ok || v < min || v > max)
        return fail(error, QStringLiteral("expected a whole number from %1 to %2, got '%3'")
                               .arg(min)
                               .arg(max)
                               .arg(text));
    *out = v;
    return true;
}

template <typename Field>
bool applyInteger(const QString &text, qint64 min, qint64 max, Field *field, QString *error)
{
    qint64 v = 0;
    if (!parseInteger(text, min, max, &v, error))
        return false;
    *field = static_cast<Field>(v);
    return true;
}

bool applySeconds(const QString &text, double min, double max, Millis *out, QString *error)
{
    bool ok = false;
    const double v = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < min || v > max)
        return fail(error,
                    QStringLiteral("expected seconds from %1 to %2 (fractions allowed), got '%3'")
                        .arg(min)
                        .arg(max)
                        .arg(text));
    *out = Millis{std::llround(v * 1000.0)};
    return true;
}

bool applyPath(const QString &text, QString *out, QString *error)
{
    if (text.isEmpty())
        return fail(error, QStringLiteral("expected a file path"));
    *out = text;
    return true;
}

QString secondsText(Millis ms)
{
    return QString::number(ms.count() / 1000.0, 'g', 10);
}

// Wraps text into lines of at most `width` characters, each starting with
// `prefix` (the commented configuration file).
QString wrapped(const QString &text, const QString &prefix, int width = 78)
{
    QString out;
    QString line = prefix;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (line.size() > prefix.size() && line.size() + 1 + word.size() > width) {
            out += line + QLatin1Char('\n');
            line = prefix;
        }
        if (line.size() > prefix.size())
            line += QLatin1Char(' ');
        line += word;
    }
    return out + line + QLatin1Char('\n');
}

QList<ServerOption> makeOptions()
{
    QList<ServerOption> o;
    o.append({QStringLiteral("listen"),
              QStringLiteral("HOST:PORT"),
              QStringLiteral("Address and port to listen on. [::]:PORT listens on IPv6 and IPv4; "
                             "port 0 lets the kernel pick a free port."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return parseListen(v, &c.address, &c.port, e);
              },
              [](const ServerConfig &c) { return c.listenText(); }});
    o.append({QStringLiteral("keepalive"),
              QStringLiteral("IDLE,INTVL,CNT|off"),
              QStringLiteral("TCP keepalive on each client socket: seconds of silence before the "
                             "first probe, seconds between probes, unanswered probes before the "
                             "client is dead; or off."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  const auto k = KeepaliveOptions::parse(v, e);
                  if (k)
                      c.liveness.keepalive = *k;
                  return k.has_value();
              },
              [](const ServerConfig &c) { return c.liveness.keepalive.toString(); }});
    o.append({QStringLiteral("user-timeout"),
              QStringLiteral("MS|off"),
              QStringLiteral("TCP_USER_TIMEOUT in milliseconds on each client socket: how long "
                             "sent data may stay unacknowledged before the kernel gives up; or "
                             "off."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  const auto u = LivenessSettings::parseUserTimeout(v, e);
                  if (u)
                      c.liveness.userTimeout = *u;
                  return u.has_value();
              },
              [](const ServerConfig &c) {
                  return c.liveness.userTimeout.count() == 0
                             ? QStringLiteral("off")
                             : QString::number(c.liveness.userTimeout.count());
              }});
    o.append({QStringLiteral("heartbeat"),
              QStringLiteral("INTERVAL,TIMEOUT|off"),
              QStringLiteral("PING a client after INTERVAL s of silence and drop it after "
                             "INTERVAL + TIMEOUT s; fractions allowed; or off."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  const auto h = HeartbeatOptions::parse(v, e);
                  if (h)
                      c.liveness.heartbeat = *h;
                  return h.has_value();
              },
              [](const ServerConfig &c) { return c.liveness.heartbeat.toString(); }});
    o.append({QStringLiteral("min-client-ping"),
              QStringLiteral("SECONDS"),
              QStringLiteral("Shortest average interval between a client's PINGs (one may "
                             "come early); faster ones get ERR 429 and 3 strikes in a minute "
                             "disconnect. 0 = no limit."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applySeconds(v, 0, 3600, &c.minClientPing, e);
              },
              [](const ServerConfig &c) { return secondsText(c.minClientPing); }});
    // Below 64 bytes not even HELLO with a session key fits.
    o.append({QStringLiteral("max-line"),
              QStringLiteral("BYTES"),
              QStringLiteral("Longest line accepted, terminator excluded; longer ones get ERR "
                             "413 and are skipped."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 64, 1 << 20, &c.maxLine, e);
              },
              [](const ServerConfig &c) { return QString::number(c.maxLine); }});
    o.append({QStringLiteral("max-clients"),
              QStringLiteral("N"),
              QStringLiteral("Most connections held at once; more are refused with ERR 503."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 1, 10000000, &c.maxClients, e);
              },
              [](const ServerConfig &c) { return QString::number(c.maxClients); }});
    o.append({QStringLiteral("loops"),
              QStringLiteral("N"),
              QStringLiteral("Event-loop threads serving clients, which are spread over them "
                             "(TLS clients stay on the first); 0 = one per CPU the server may "
                             "run on. Only a restart changes it."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 0, 64, &c.loops, e);
              },
              [](const ServerConfig &c) { return QString::number(c.loops); }});
    o.append({QStringLiteral("max-per-address"),
              QStringLiteral("N"),
              QStringLiteral("Most connections from one IP address at once."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 1, 10000000, &c.maxPerAddress, e);
              },
              [](const ServerConfig &c) { return QString::number(c.maxPerAddress); }});
    o.append({QStringLiteral("rate"),
              QStringLiteral("MSGS_PER_10S"),
              QStringLiteral("Chat messages accepted per client per 10 s. 0 = no limit."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 0, 1000000, &c.ratePer10s, e);
              },
              [](const ServerConfig &c) { return QString::number(c.ratePer10s); }});
    o.append(
        {QStringLiteral("db"), QStringLiteral("PATH"),
         QStringLiteral("SQLite history file, or :memory: to keep history in RAM only."),
         QStringLiteral("$STATE_DIRECTORY/history.db under systemd (/var/lib/longline), "
                        "else history.db in the user's data directory"),
         true,
         [](ServerConfig &c, const QString &v, QString *e) { return applyPath(v, &c.dbPath, e); },
         [](const ServerConfig &c) { return c.dbPath; }});
    o.append({QStringLiteral("presence-limit"),
              QStringLiteral("N"),
              QStringLiteral("Above N members, send member counts (MEMBERS, at most once a "
                             "second) instead of JOIN and LEAVE to everyone; 0 = always "
                             "announce."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 0, 1000000, &c.presenceLimit, e);
              },
              [](const ServerConfig &c) { return QString::number(c.presenceLimit); }});
    o.append({QStringLiteral("max-history"),
              QStringLiteral("N"),
              QStringLiteral("Most messages in one HISTORY answer."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 1, 100000, &c.maxHistory, e);
              },
              [](const ServerConfig &c) { return QString::number(c.maxHistory); }});
    o.append(
        {QStringLiteral("log"), QStringLiteral("FILE"),
         QStringLiteral("Append the event log to FILE."),
         QStringLiteral("stderr, which is the journal under systemd"), true,
         [](ServerConfig &c, const QString &v, QString *e) { return applyPath(v, &c.logPath, e); },
         [](const ServerConfig &c) { return c.logPath; }});
    o.append({QStringLiteral("log-summary-interval"),
              QStringLiteral("SECONDS"),
              QStringLiteral("Log the first of a run of alike events (one connection's errors, "
                             "failed passwords), then one count per this interval."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applySeconds(v, 0.05, 86400, &c.logSummaryInterval, e);
              },
              [](const ServerConfig &c) { return secondsText(c.logSummaryInterval); }});
    o.append({QStringLiteral("line-timeout"),
              QStringLiteral("SECONDS"),
              QStringLiteral("Drop a client whose unfinished line gets no newline for this long "
                             "(a slow or stuck sender)."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applySeconds(v, 0.05, 86400, &c.lineTimeout, e);
              },
              [](const ServerConfig &c) { return secondsText(c.lineTimeout); }});
    o.append({QStringLiteral("register-timeout"),
              QStringLiteral("SECONDS"),
              QStringLiteral("Close a client that has not said HELLO this long after it was "
                             "accepted (it holds a descriptor, nothing else)."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applySeconds(v, 0.1, 86400, &c.registrationTimeout, e);
              },
              [](const ServerConfig &c) { return secondsText(c.registrationTimeout); }});
    o.append({QStringLiteral("handshake-timeout"),
              QStringLiteral("SECONDS"),
              QStringLiteral("Cut a TLS client whose handshake is not done this long after it "
                             "was accepted, whatever the heartbeat settings."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applySeconds(v, 0.1, 3600, &c.handshakeTimeout, e);
              },
              [](const ServerConfig &c) { return secondsText(c.handshakeTimeout); }});
    o.append({QStringLiteral("max-output"),
              QStringLiteral("BYTES"),
              QStringLiteral("Drop a client that leaves more than this much output unread (a "
                             "slow reader); bounds memory per connection."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 4096, qint64(1) << 32, &c.maxOutputBytes, e);
              },
              [](const ServerConfig &c) { return QString::number(c.maxOutputBytes); }});
    o.append({QStringLiteral("max-output-total"),
              QStringLiteral("BYTES"),
              QStringLiteral("Unsent output of all clients together; past it the clients furthest "
                             "behind are dropped as slow readers first. Bounds the memory slow "
                             "readers can hold in all."),
              {},
              false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyInteger(v, 65536, qint64(1) << 40, &c.maxOutputTotal, e);
              },
              [](const ServerConfig &c) { return QString::number(c.maxOutputTotal); }});
    o.append({QStringLiteral("tls-cert"), QStringLiteral("FILE"),
              QStringLiteral("PEM certificate (chain) for TLS on the listening port; needs "
                             "tls-key."),
              QStringLiteral("none, plain TCP"), true,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyPath(v, &c.tlsCertPath, e);
              },
              [](const ServerConfig &c) { return c.tlsCertPath; }});
    o.append({QStringLiteral("tls-key"), QStringLiteral("FILE"),
              QStringLiteral("PEM private key (RSA or EC, unencrypted) for TLS; needs tls-cert."),
              QStringLiteral("none"), true,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyPath(v, &c.tlsKeyPath, e);
              },
              [](const ServerConfig &c) { return c.tlsKeyPath; }});
    o.append({QStringLiteral("password-file"), QStringLiteral("FILE"),
              QStringLiteral("Require the password in the first line of FILE: clients send it "
                             "with PASS before HELLO. It is never logged."),
              QStringLiteral("no password"), true,
              [](ServerConfig &c, const QString &v, QString *e) {
                  if (!applyPath(v, &c.passwordFile, e))
                      return false;
                  QFile f(v);
                  if (!f.open(QIODevice::ReadOnly))
                      return fail(e, QStringLiteral("cannot read '%1'").arg(v));
                  c.password = QString::fromUtf8(f.readLine()).trimmed();
                  if (c.password.isEmpty())
                      return fail(e, QStringLiteral("'%1' is empty").arg(v));
                  return true;
              },
              [](const ServerConfig &c) { return c.passwordFile; }});
    o.append(
        {QStringLiteral("max-probe-delay"),
         QStringLiteral("SECONDS"),
         QStringLiteral("The longest silence a client may ask for with PROBE (to find the idle "
                        "timeout of a NAT on its path)."),
         {},
         false,
         [](ServerConfig &c, const QString &v, QString *e) {
             return applySeconds(v, 1, 86400, &c.maxProbeDelay, e);
         },
         [](const ServerConfig &c) { return secondsText(c.maxProbeDelay); }});
    o.append({QStringLiteral("metrics"), QStringLiteral("HOST:PORT|off"),
              QStringLiteral("Serve Prometheus metrics at http://HOST:PORT/metrics (connections, "
                             "deaths by cause, detection against budget, heartbeats, RTT, "
                             "messages, queued output, commit latency). Keep it on a private "
                             "address."),
              QStringLiteral("off"), false,
              [](ServerConfig &c, const QString &v, QString *e) {
                  if (v.trimmed() == QLatin1String("off")) {
                      c.metricsEnabled = false;
                      return true;
                  }
                  c.metricsEnabled = parseListen(v, &c.metricsAddress, &c.metricsPort, e);
                  return c.metricsEnabled;
              },
              [](const ServerConfig &c) {
                  return c.metricsEnabled
                             ? ServerConfig::endpointText(c.metricsAddress, c.metricsPort)
                             : QString();
              }});
    o.append({QStringLiteral("admin-socket"), QStringLiteral("PATH"),
              QStringLiteral("Unix socket for `longline-server status`, `kick`, `ban` and "
                             "`unban` (mode 0600)."),
              QStringLiteral("$RUNTIME_DIRECTORY/admin.sock under systemd (/run/longline), else "
                             "$XDG_RUNTIME_DIR/longline-server.sock"),
              true,
              [](ServerConfig &c, const QString &v, QString *e) {
                  return applyPath(v, &c.adminSocket, e);
              },
              [](const ServerConfig &c) { return c.adminSocket; }});
    return o;
}

} // namespace

QString ServerOption::defaultText() const
{
    return defaultNote.isEmpty() ? show(ServerConfig{}) : defaultNote;
}

QString ServerOption::description() const
{
    return help + QStringLiteral(" Default: ") + defaultText() + QLatin1Char('.');
}

const QList<ServerOption> &serverOptions()
{
    static const QList<ServerOption> options = makeOptions();
    return options;
}

const ServerOption *findServerOption(const QString &key)
{
    for (const ServerOption &option : serverOptions()) {
        if (option.key == key)
            return &option;
    }
    return nullptr;
}

bool checkTlsFiles(const QString &certPath, const QString &keyPath, QString *error)
{
    if (QSslCertificate::fromPath(certPath, QSsl::Pem).isEmpty())
        return fail(error, QStringLiteral("tls-cert: no PEM certificate in '%1'").arg(certPath));
    QFile keyFile(keyPath);
    if (!keyFile.open(QIODevice::ReadOnly))
        return fail(
            error,
            QStringLiteral("tls-key: cannot read '%1': %2").arg(keyPath, keyFile.errorString()));
    const QByteArray pem = keyFile.readAll();
    if (QSslKey(pem, QSsl::Rsa, QSsl::Pem).isNull() && QSslKey(pem, QSsl::Ec, QSsl::Pem).isNull())
        return fail(error, QStringLiteral("tls-key: no usable RSA or EC private key in '%1' "
                                          "(encrypted keys are not supported)")
                               .arg(keyPath));
    return true;
}

QString serverManPage(const QList<QCommandLineOption> &generalOptions)
{
    ManPage page;
    page.name = QStringLiteral("longline-server");
    page.summary = QStringLiteral("chat server for long-lived TCP connections");
    page.synopsis = QStringLiteral("[--config FILE] [--check-config] [OPTION VALUE]...");
    page.description = {
        QStringLiteral("longline-server holds chat clients on long-lived TCP (or TLS) "
                       "connections, speaking a line protocol a person can type with nc(1). It "
                       "keeps the message history in SQLite and notices dead clients with kernel "
                       "TCP keepalive, TCP_USER_TIMEOUT and application heartbeats, logging for "
                       "each disconnect its cause and how long detection took against the budget "
                       "the settings imply."),
        QStringLiteral("Every setting can be given as a flag or as a key in the configuration "
                       "file; a flag overrides the file.")};
    page.options = generalOptions;
    for (const ServerOption &option : serverOptions())
        page.options.append(QCommandLineOption(option.key, option.description(), option.valueName));
    page.sections = {
        {QStringLiteral("Configuration file"),
         {QStringLiteral("The file named by --config, or %1 when it exists, holds one "
                         "\"key = value\" per line; blank lines and lines starting with # are "
                         "ignored. The keys are the option names above without the leading "
                         "dashes. Relative paths are taken from the file's directory. An unknown "
                         "key, a key given twice or a bad value stops the server with the file "
                         "name, the line number and the reason.")
              .arg(QLatin1String(ServerConfig::DefaultConfigFile)),
          QStringLiteral("  listen = [::]:9999\n  heartbeat = 25,10\n  keepalive = 60,10,3"),
          QStringLiteral("longline-server --check-config validates the file and the flags and "
                         "prints every setting in force with where it came from.")}},
        {QStringLiteral("Exit status"),
         {QStringLiteral("0 after a clean shutdown (SIGINT or SIGTERM), --help, --version or a "
                         "valid --check-config; 1 for bad flags or a bad configuration file; 2 "
                         "when the server cannot start (log file, database, TLS certificate, "
                         "listening socket).")}},
        {QStringLiteral("Environment"),
         {QStringLiteral("STATE_DIRECTORY: set by systemd's StateDirectory=; the default "
                         "database is history.db in its first directory.")}},
        {QStringLiteral("Files"),
         {QStringLiteral("%1: the configuration file.")
              .arg(QLatin1String(ServerConfig::DefaultConfigFile)),
          QStringLiteral("/var/lib/longline/history.db: the message history under the packaged "
                         "systemd unit, longline-server.service.")}},
    };
    page.seeAlso = {QStringLiteral("longline-cli(1)"), QStringLiteral("longline(1)"),
                    QStringLiteral("longline-lab(1)"), QStringLiteral("systemd.exec(5)"),
                    QStringLiteral("tcp(7)")};
    return renderManPage(page);
}

QString defaultConfigText()
{
    QString out;
    out += QStringLiteral("# %1: settings for longline-server(1).\n")
               .arg(QLatin1String(ServerConfig::DefaultConfigFile));
    out += wrapped(
        QStringLiteral("One \"key = value\" per line; lines starting with # are comments. Every "
                       "key is also a flag (--key VALUE), and a flag overrides the file. The "
                       "commented values below are the defaults. After a change, check with "
                       "'longline-server --check-config' and restart with 'systemctl restart "
                       "longline-server'."),
        QStringLiteral("# "));
    for (const ServerOption &option : serverOptions()) {
        out += QStringLiteral("\n");
        out += wrapped(option.help, QStringLiteral("# "));
        const QString value = option.show(ServerConfig{});
        if (!option.defaultNote.isEmpty())
            out += wrapped(QStringLiteral("Default: ") + option.defaultNote + QLatin1Char('.'),
                           QStringLiteral("# "));
        out += QStringLiteral("#%1 = %2\n")
                   .arg(option.key, value.isEmpty() ? option.valueName : value);
    }
    return out;
}

QString effectiveSettingsText(const ServerConfig &config, const SettingOrigins &origins)
{
    QString out = QStringLiteral("# longline-server %1: the configuration is valid.\n")
                      .arg(QLatin1String(LONGLINE_VERSION));
    out += QStringLiteral("# configuration file: %1\n")
               .arg(config.configFile.isEmpty() ? QStringLiteral("none") : config.configFile);
    for (const ServerOption &option : serverOptions()) {
        const QString value = option.show(config);
        const QString origin = origins.value(option.key);
        const QString line =
            QStringLiteral("%1 = %2").arg(option.key, value.isEmpty() ? QString() : value);
        out += QStringLiteral("%1  # %2\n")
                   .arg(line.leftJustified(40),
                        origin.isEmpty() ? QStringLiteral("default: ") + option.defaultText()
                                         : origin);
    }
    return out;
}

} // namespace longline::server
