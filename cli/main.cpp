// longline-cli: the terminal client. See clioptions.h for the command line
// and terminalclient.h for what it prints.

#include "clioptions.h"
#include "natdiscovery.h"
#include "terminalclient.h"

#include <QCoreApplication>
#include <QTimer>
#include <cstdio>

using namespace longline::cli;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("longline-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LONGLINE_VERSION));

    const ParsedArguments parsed = parseArguments(QCoreApplication::arguments());
    switch (parsed.outcome) {
    case ParseOutcome::Help:
    case ParseOutcome::Version:
        std::fputs(qPrintable(parsed.message + QLatin1Char('\n')), stdout);
        return ExitOk;
    case ParseOutcome::ManPage:
        std::fputs(qPrintable(parsed.message), stdout);
        return ExitOk;
    case ParseOutcome::Error:
        std::fprintf(stderr, "longline-cli: %s\nTry 'longline-cli --help'.\n",
                     qPrintable(parsed.message));
        return ExitUsage;
    case ParseOutcome::Run:
        break;
    }

    if (parsed.options.discoverNatTimeout) {
        NatDiscovery discovery(parsed.options);
        QObject::connect(&discovery, &NatDiscovery::finished, &app, &QCoreApplication::exit);
        QTimer::singleShot(0, &discovery, &NatDiscovery::start);
        return app.exec();
    }

    TerminalClient client(parsed.options);
    QObject::connect(&client, &TerminalClient::finished, &app, &QCoreApplication::exit);
    // Start inside the event loop so an early finish() reaches a running exec().
    QTimer::singleShot(0, &client, &TerminalClient::start);
    return app.exec();
}
