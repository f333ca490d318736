// longline-server: the headless Longline chat daemon.
//
// Exit status: 0 after a clean shutdown (SIGINT/SIGTERM) or --help/--version,
// 1 for bad command-line flags, 2 when it cannot start (log file, database,
// listening socket).

#include "chatserver.h"
#include "filelimit.h"
#include "historystore.h"
#include "serverconfig.h"
#include "serverlog.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <csignal>
#include <cstdio>

using namespace longline;
using namespace longline::server;

namespace {

constexpr int ExitUsage = 1;
constexpr int ExitStartup = 2;

int fail(ServerLog &log, const QString &what)
{
    log.event("fatal", {{"error", what}});
    return ExitStartup;
}

QString limitText(qint64 v)
{
    return v < 0 ? QStringLiteral("unlimited") : QString::number(v);
}

} // namespace

int main(int argc, char *argv[])
{
    // A peer vanishing mid-write must be an error code, never a kill.
    std::signal(SIGPIPE, SIG_IGN);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("longline-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LONGLINE_VERSION));

    const ParsedArguments parsed = parseArguments(QCoreApplication::arguments());
    switch (parsed.outcome) {
    case ParseOutcome::Help:
    case ParseOutcome::Version:
        std::fputs(parsed.message.toLocal8Bit().constData(), stdout);
        return 0;
    case ParseOutcome::Error:
        std::fprintf(stderr, "longline-server: %s\nTry 'longline-server --help' for the options.\n",
                     parsed.message.toLocal8Bit().constData());
        return ExitUsage;
    case ParseOutcome::Run:
        break;
    }
    ServerConfig config = parsed.config;

    ServerLog log;
    QString error;
    if (!log.open(config.logPath, &error)) {
        std::fprintf(stderr, "longline-server: %s\n", error.toLocal8Bit().constData());
        return ExitStartup;
    }

    // Installed before anything slow, so an early SIGTERM is a clean stop.
    SignalWatcher signals({SIGINT, SIGTERM});
    if (!signals.isValid() || !signals.errorString().isEmpty())
        return fail(log, QStringLiteral("cannot watch signals: ") + signals.errorString());

    const FileLimitReport files = raiseFileLimit();
    QList<LogField> limitFields = {{"nofile_before", limitText(files.softBefore)},
                                   {"nofile", limitText(files.softAfter)},
                                   {"nofile_hard", limitText(files.hard)}};
    if (!files.error.isEmpty())
        limitFields.append({"error", files.error});
    log.event("rlimit", limitFields);

    if (config.dbPath.isEmpty())
        config.dbPath = ServerConfig::defaultDbPath();
    HistoryStore store;
    if (!store.open(config.dbPath, &error))
        return fail(log, error);

    log.event("start", {{"version", QStringLiteral(LONGLINE_VERSION)},
                        {"pid", QString::number(QCoreApplication::applicationPid())},
                        {"db", config.dbPath},
                        {"journal", store.journalMode()},
                        {"seq", QString::number(store.lastSeq())},
                        {"keepalive", config.liveness.keepalive.toString()},
                        {"user_timeout_ms", QString::number(config.liveness.userTimeout.count())},
                        {"heartbeat", config.liveness.heartbeat.toString()},
                        {"min_client_ping_ms", QString::number(config.minClientPing.count())},
                        {"max_line", QString::number(config.maxLine)},
                        {"max_clients", QString::number(config.maxClients)},
                        {"max_per_address", QString::number(config.maxPerAddress)},
                        {"rate", QString::number(config.ratePer10s)},
                        {"max_history", QString::number(config.maxHistory)},
                        {"line_timeout_ms", QString::number(config.lineTimeout.count())},
                        {"max_output", QString::number(config.maxOutputBytes)}});

    ChatServer server(config, store, log);
    if (!server.listen(&error))
        return fail(log, error);

    QObject::connect(&signals, &SignalWatcher::received, &server, [&](int signalNumber) {
        if (server.state() == ChatServer::State::Running)
            server.shutdown(SignalWatcher::signalName(signalNumber));
    });
    QObject::connect(&server, &ChatServer::stopped, &app, [&] {
        store.close();
        log.event("exit", {{"status", QStringLiteral("0")}});
        QCoreApplication::exit(0);
    });
    return QCoreApplication::exec();
}
