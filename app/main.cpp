// longline: the desktop client. See README for how to run it against a
// local server.

#include "appoptions.h"
#include "mainwindow.h"
#include "screenshotdirector.h"
#include "settingsstore.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTimer>
#include <QTranslator>
#include <cstdio>

using namespace longline::app;

namespace {

// --lang is needed before the parser runs (its help text is translated).
QString languageArgument(const QStringList &args)
{
    for (int i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--lang") && i + 1 < args.size())
            return args.at(i + 1);
        if (args.at(i).startsWith(QLatin1String("--lang=")))
            return args.at(i).mid(7);
    }
    return {};
}

// Latin text in the desktop's font, Chinese in Noto Sans CJK SC (simplified
// glyph forms even when fontconfig would pick the Japanese variant first).
void useCjkFallback()
{
    QFont f = QApplication::font();
    QStringList families{f.family()};
    families << QStringLiteral("Noto Sans CJK SC") << QStringLiteral("Noto Sans SC")
             << QStringLiteral("WenQuanYi Micro Hei");
    f.setFamilies(families);
    QApplication::setFont(f);
}

void setApplicationNames()
{
    QCoreApplication::setOrganizationName(QStringLiteral("Longline"));
    QCoreApplication::setApplicationName(QStringLiteral("longline"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LONGLINE_VERSION));
}

// Our strings and Qt's own (standard dialogs, context menus) in the --lang
// or system language; returns that locale.
QLocale installTranslations(QTranslator *appTranslator, QTranslator *qtTranslator)
{
    const QString lang = languageArgument(QCoreApplication::arguments());
    const QLocale locale = lang.isEmpty() ? QLocale::system() : QLocale(lang);
    QLocale::setDefault(locale);
    if (appTranslator->load(locale, QStringLiteral("longline"), QStringLiteral("_"),
                            QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(appTranslator);
    if (qtTranslator->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qtTranslator);
    return locale;
}

// --help, --version and --man print and exit; they need no display, so they
// run before (and instead of) QApplication, which would demand one.
int printWithoutDisplay(int argc, char *argv[])
{
    QCoreApplication core(argc, argv);
    setApplicationNames();
    QTranslator appTranslator;
    QTranslator qtTranslator;
    installTranslations(&appTranslator, &qtTranslator);
    QString error;
    int exitCode = 0;
    AppOptions::parse(QCoreApplication::arguments(), &error, &exitCode);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "longline: %s\n", qPrintable(error));
        return 1;
    }
    return exitCode;
}

} // namespace

int main(int argc, char *argv[])
{
    if (AppOptions::printsAndExits(argc, argv))
        return printWithoutDisplay(argc, argv);

    QApplication app(argc, argv);
    setApplicationNames();
    QApplication::setDesktopFileName(QStringLiteral("longline"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/longline.png")));

    QTranslator appTranslator;
    QTranslator qtTranslator;
    const QLocale locale = installTranslations(&appTranslator, &qtTranslator);
    useCjkFallback();

    QString error;
    const auto options = AppOptions::parse(app.arguments(), &error);
    if (!options) {
        std::fprintf(stderr, "longline: %s\n", qPrintable(error));
        return 1;
    }

    SettingsStore store(options->settingsFile);
    ConnectionProfile profile = store.connection();
    if (options->host)
        profile.host = *options->host;
    if (options->port)
        profile.port = *options->port;
    if (options->nick)
        profile.nick = *options->nick;
    store.setConnection(profile);
    if (options->keepalive || options->userTimeout || options->heartbeat || options->natTimeoutS)
        store.setLiveness(store.liveness().withOverrides(options->keepalive, options->userTimeout,
                                                         options->heartbeat, options->natTimeoutS));

    MainWindow window(&store);
    if (options->largeFont)
        window.setLargeFont(true);

    if (!options->screenshotDir.isEmpty()) {
        ScreenshotDirector::Scene scene;
        scene.host = profile.host;
        scene.port = profile.port;
        scene.nick = profile.nick.isEmpty() ? QStringLiteral("alice") : profile.nick;
        scene.outputDir = options->screenshotDir;
        scene.suffix = options->screenshotSuffix;
        scene.pathScenario = options->screenshotScenario == QLatin1String("path");
        scene.chinese = locale.language() == QLocale::Chinese;
        if (const QStringList wh = options->screenshotSize.split(QLatin1Char('x'));
            wh.size() == 2 && wh[0].toInt() > 0 && wh[1].toInt() > 0)
            scene.windowSize = QSize(wh[0].toInt(), wh[1].toInt());
        auto *director = new ScreenshotDirector(&window, scene, &window);
        QTimer::singleShot(0, director, &ScreenshotDirector::start);
        return app.exec();
    }

    window.show();
    if (options->connectNow && !profile.nick.isEmpty())
        window.connectTo(profile);
    else
        QTimer::singleShot(0, &window, [&window] { window.showConnectDialog(); });
    return app.exec();
}
