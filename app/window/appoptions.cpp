#include "appoptions.h"

#include "manpage.h"

#include <QCommandLineParser>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace longline::app {

namespace {
QCommandLineOption hidden(const QString &name, const QString &valueName)
{
    QCommandLineOption o(name, QString(), valueName);
    o.setFlags(QCommandLineOption::HiddenFromHelp);
    return o;
}
QString manPage(const QList<QCommandLineOption> &options)
{
    longline::ManPage page;
    page.name = QStringLiteral("longline");
    page.summary =
        QStringLiteral("desktop chat client that shows how TCP connections live and die");
    page.synopsis =
        QStringLiteral("[--host HOST] [--port PORT] [--nick NICK] [--connect] [OPTION]...");
    page.description = {
        QStringLiteral("longline is the desktop (Qt) client of a longline-server(1). Besides the "
                       "chat it lets you choose how the connection is kept alive and checked (OS "
                       "TCP keepalive, TCP_USER_TIMEOUT, application heartbeats, both or none), "
                       "shows the round trips, the kernel's keepalive timer and unanswered "
                       "probes, and, when a connection dies silently, why and how fast the death "
                       "was noticed against the budget the settings imply. It reconnects by "
                       "itself and delivers what was typed meanwhile."),
        QStringLiteral("Settings and the last connection are kept between runs in the user's "
                       "configuration (~/.config/Longline/longline.conf). --help, --version and "
                       "this page need no display.")};
    page.options = options;
    page.sections = {{QStringLiteral("Exit status"),
                      {QStringLiteral("0 when the window is closed; 1 for a bad command line.")}}};
    page.seeAlso = {QStringLiteral("longline-cli(1)"), QStringLiteral("longline-server(1)"),
                    QStringLiteral("longline-lab(1)")};
    return longline::renderManPage(page);
}

} // namespace

bool AppOptions::printsAndExits(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : {"-h", "--help", "-?", "--help-all", "-v", "--version", "--man"}) {
            if (std::strcmp(argv[i], flag) == 0)
                return true;
        }
    }
    return false;
}

std::optional<AppOptions> AppOptions::parse(const QStringList &arguments, QString *error,
                                            int *exitCode)
{
    QCommandLineParser p;
    p.setApplicationDescription(QCoreApplication::translate(
        "AppOptions", "Longline: a chat client that shows how long TCP connections live "
                      "and die."));
    const auto helpOption = p.addHelpOption();
    const auto versionOption = p.addVersionOption();
    const QCommandLineOption host(QStringLiteral("host"),
                                  QCoreApplication::translate("AppOptions", "Server host."),
                                  QStringLiteral("host"));
    const QCommandLineOption port(
        QStringLiteral("port"),
        QCoreApplication::translate("AppOptions", "Server port (default 9999)."),
        QStringLiteral("port"));
    const QCommandLineOption nick(QStringLiteral("nick"),
                                  QCoreApplication::translate("AppOptions", "Your nick."),
                                  QStringLiteral("nick"));
    const QCommandLineOption connectNow(
        QStringLiteral("connect"),
        QCoreApplication::translate("AppOptions", "Connect at once, without the dialog."));
    const QCommandLineOption lang(
        QStringLiteral("lang"),
        QCoreApplication::translate("AppOptions", "User interface language, e.g. zh_CN or en."),
        QStringLiteral("locale"));
    const QCommandLineOption largeFont(
        QStringLiteral("large-font"),
        QCoreApplication::translate("AppOptions", "Larger text for projectors."));
    const QCommandLineOption keepalive(
        QStringLiteral("keepalive"),
        QCoreApplication::translate("AppOptions",
                                    "OS TCP keepalive: idle seconds, probe interval seconds, probe "
                                    "count; or off. Replaces the saved setting."),
        QStringLiteral("IDLE,INTVL,CNT|off"));
    const QCommandLineOption userTimeout(
        QStringLiteral("user-timeout"),
        QCoreApplication::translate("AppOptions",
                                    "TCP_USER_TIMEOUT in ms, or off. Replaces the saved setting."),
        QStringLiteral("MS|off"));
    const QCommandLineOption heartbeat(
        QStringLiteral("heartbeat"),
        QCoreApplication::translate("AppOptions",
                                    "Application PING after INTERVAL s of silence, peer dead after "
                                    "INTERVAL + TIMEOUT s; or off. Replaces the saved setting."),
        QStringLiteral("INTERVAL,TIMEOUT|off"));
    const QCommandLineOption natTimeout(
        QStringLiteral("nat-timeout"),
        QCoreApplication::translate(
            "AppOptions", "Idle timeout of the NAT gateway on the path, in seconds (0 = "
                          "unknown); a connection it forgot is explained in those terms."),
        QStringLiteral("SECONDS"));
    const auto settingsFile = hidden(QStringLiteral("settings-file"), QStringLiteral("path"));
    const auto screenshotDir = hidden(QStringLiteral("screenshot-dir"), QStringLiteral("dir"));
    const auto screenshotSuffix =
        hidden(QStringLiteral("screenshot-suffix"), QStringLiteral("suffix"));
    const auto screenshotScenario =
        hidden(QStringLiteral("screenshot-scenario"), QStringLiteral("chat|path"));
    const auto screenshotSize = hidden(QStringLiteral("screenshot-size"), QStringLiteral("WxH"));
    const auto man = hidden(QStringLiteral("man"), QString());
    const QList<QCommandLineOption> options{host,
                                            port,
                                            nick,
                                            connectNow,
                                            lang,
                                            largeFont,
                                            keepalive,
                                            userTimeout,
                                            heartbeat,
                                            natTimeout,
                                            settingsFile,
                                            screenshotDir,
                                            screenshotSuffix,
                                            screenshotScenario,
                                            screenshotSize,
                                            man};
    p.addOptions(options);

    if (!p.parse(arguments)) {
        if (error)
            *error = p.errorText();
        return std::nullopt;
    }
    if (p.isSet(man)) {
        // The man page lists what --help lists: hidden options stay out.
        std::fputs(
            qPrintable(manPage(QList<QCommandLineOption>{helpOption, versionOption} + options)),
            stdout);
        std::exit(0);
    }
    if (p.isSet(helpOption) || p.isSet(versionOption)) {
        if (exitCode)
            *exitCode = 0;
        if (p.isSet(helpOption))
            p.showHelp(0); // exits
        p.showVersion();   // exits
    }
    if (!p.positionalArguments().isEmpty()) {
        if (error)
            *error = QCoreApplication::translate("AppOptions", "Unexpected argument: %1")
                         .arg(p.positionalArguments().first());
        return std::nullopt;
    }

    AppOptions o;
    if (p.isSet(host))
        o.host = p.value(host);
    if (p.isSet(port)) {
        bool ok = false;
        const int v = p.value(port).toInt(&ok);
        if (!ok || v <= 0 || v > 65535) {
            if (error)
                *error =
                    QCoreApplication::translate("AppOptions", "Bad port: %1").arg(p.value(port));
            return std::nullopt;
        }
        o.port = static_cast<quint16>(v);
    }
    if (p.isSet(nick))
        o.nick = p.value(nick);
    o.connectNow = p.isSet(connectNow);
    o.language = p.value(lang);
    o.largeFont = p.isSet(largeFont);
    QString why;
    auto bad = [&](const QCommandLineOption &option) {
        if (error)
            *error = QStringLiteral("--%1: %2").arg(option.names().constFirst(), why);
        return std::nullopt;
    };
    if (p.isSet(keepalive) && !(o.keepalive = KeepaliveOptions::parse(p.value(keepalive), &why)))
        return bad(keepalive);
    if (p.isSet(userTimeout) &&
        !(o.userTimeout = LivenessSettings::parseUserTimeout(p.value(userTimeout), &why)))
        return bad(userTimeout);
    if (p.isSet(heartbeat) && !(o.heartbeat = HeartbeatOptions::parse(p.value(heartbeat), &why)))
        return bad(heartbeat);
    if (p.isSet(natTimeout)) {
        bool ok = false;
        const int v = p.value(natTimeout).toInt(&ok);
        if (!ok || v < 0 || v > 7 * 24 * 3600) {
            why = QCoreApplication::translate("AppOptions", "seconds from 0 to 604800 expected");
            return bad(natTimeout);
        }
        o.natTimeoutS = v;
    }
    o.settingsFile = p.value(settingsFile);
    o.screenshotDir = p.value(screenshotDir);
    o.screenshotSuffix = p.value(screenshotSuffix);
    o.screenshotScenario = p.value(screenshotScenario);
    o.screenshotSize = p.value(screenshotSize);
    return o;
}

} // namespace longline::app
