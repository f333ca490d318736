#include "appoptions.h"

#include <QCommandLineParser>

namespace longline::app {

namespace {
QCommandLineOption hidden(const QString &name, const QString &valueName)
{
    QCommandLineOption o(name, QString(), valueName);
    o.setFlags(QCommandLineOption::HiddenFromHelp);
    return o;
}
} // namespace

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
    const auto settingsFile = hidden(QStringLiteral("settings-file"), QStringLiteral("path"));
    const auto screenshotDir = hidden(QStringLiteral("screenshot-dir"), QStringLiteral("dir"));
    const auto screenshotSuffix =
        hidden(QStringLiteral("screenshot-suffix"), QStringLiteral("suffix"));
    p.addOptions({host, port, nick, connectNow, lang, largeFont, settingsFile, screenshotDir,
                  screenshotSuffix});

    if (!p.parse(arguments)) {
        if (error)
            *error = p.errorText();
        return std::nullopt;
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
    o.settingsFile = p.value(settingsFile);
    o.screenshotDir = p.value(screenshotDir);
    o.screenshotSuffix = p.value(screenshotSuffix);
    return o;
}

} // namespace longline::app
