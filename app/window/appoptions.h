#pragma once
// The desktop client's command line.

#include "livenesssettings.h"
#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <optional>

namespace longline::app {

struct AppOptions
{
    std::optional<QString> host;
    std::optional<quint16> port;
    std::optional<QString> nick;
    bool connectNow = false; // --connect: connect at start without asking
    QString language;        // --lang zh_CN; empty: the system locale
    bool largeFont = false;  // --large-font for projectors
    // --keepalive, --user-timeout, --heartbeat (longline-cli's syntax) and
    // --nat-timeout: replace the saved liveness settings, as the settings
    // panel would (the NAT lab starts the window with a lesson step's).
    std::optional<KeepaliveOptions> keepalive;
    std::optional<Millis> userTimeout;
    std::optional<HeartbeatOptions> heartbeat;
    std::optional<int> natTimeoutS;
    QString settingsFile;     // hidden: an INI file instead of the user's settings
    QString screenshotDir;    // hidden: run the screenshot scenario, write PNGs here
    QString screenshotSuffix; // hidden: appended to PNG names ("-zh_CN")
    QString screenshotSize;   // hidden: the window's size for the scenario, "1280x720"
    // hidden: "chat" (default: through an in-process relay) or "path" (the
    // measurement and adaptive mode, straight to the server: run it through
    // the NAT lab, scripts/screenshots-lab.sh)
    QString screenshotScenario;

    // Parses `arguments` (argv including the program name). On --help,
    // --version or the hidden --man prints and exits; on an error sets *error.
    static std::optional<AppOptions> parse(const QStringList &arguments, QString *error,
                                           int *exitCode = nullptr);
    // True when argv asks only for --help, --version or --man: main() then
    // answers without a display.
    static bool printsAndExits(int argc, char *argv[]);
};

} // namespace longline::app
