// longline-server: the headless Longline chat daemon.
//
// Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), --help, --version
// or a valid --check-config; 1 for bad flags or a bad configuration file, 2
// when it cannot start (log file, database, listening socket).

#include "adminsocket.h"
#include "filelimit.h"
#include "handover.h"
#include "httpmetrics.h"
#include "netserver.h"
#include "serverconfig.h"
#include "serverlog.h"
#include "storethread.h"
#include "systemdnotify.h"

#include <QCoreApplication>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <limits>
#include <thread>
#include <unistd.h>

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

// Descriptors the server keeps for itself: the listener, the database and
// its journal, the log, the reserve descriptor, the event loop's own.
constexpr qint64 OwnDescriptors = 32;

// --take-over: how long the running server may take between two messages
// of its hand-over (it first says BYE to its TLS clients).
constexpr int TakeOverTimeoutMs = 15000;

// How often `systemctl status` learns the client count when no watchdog
// asks for more.
constexpr longline::Millis SystemdStatusPeriod{10000};

QString signalName(int signalNumber)
{
    switch (signalNumber) {
    case SIGINT:
        return QStringLiteral("SIGINT");
    case SIGTERM:
        return QStringLiteral("SIGTERM");
    case SIGHUP:
        return QStringLiteral("SIGHUP");
    default:
        return QStringLiteral("signal %1").arg(signalNumber);
    }
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
    case ParseOutcome::CheckConfig:
    case ParseOutcome::ManPage:
    case ParseOutcome::DefaultConfig:
        std::fputs(parsed.message.toLocal8Bit().constData(), stdout);
        return 0;
    case ParseOutcome::Error:
        std::fprintf(stderr, "longline-server: %s\nTry 'longline-server --help' for the options.\n",
                     parsed.message.toLocal8Bit().constData());
        return ExitUsage;
    case ParseOutcome::Admin: {
        // A question for the running server, through its admin socket.
        const QString path = parsed.config.adminSocket.isEmpty() ? AdminSocket::defaultPath()
                                                                 : parsed.config.adminSocket;
        QByteArray answer;
        QString error;
        if (!AdminSocket::request(path, parsed.adminCommand.join(QLatin1Char(' ')), &answer,
                                  &error)) {
            std::fprintf(stderr, "longline-server: %s\n", error.toLocal8Bit().constData());
            return ExitStartup;
        }
        std::fwrite(answer.constData(), 1, static_cast<size_t>(answer.size()), stdout);
        return answer.startsWith("error: ") ? ExitUsage : 0;
    }
    case ParseOutcome::Run:
        break;
    }
    ServerConfig config = parsed.config;
    // What the last process handed over (a restart that keeps connections):
    // through systemd's store, or straight from it with --take-over.
    net::InheritedDescriptors inherited = net::InheritedDescriptors::take();
    const bool fromSystemdStore = inherited.any();

    ServerLog log;
    QString error;
    if (!log.open(config.logPath, &error)) {
        std::fprintf(stderr, "longline-server: %s\n", error.toLocal8Bit().constData());
        return ExitStartup;
    }

    // Asio's context, for the operator's side (signals, admin socket,
    // metrics) and TLS streams; the EventLoop made below turns it. No Qt
    // event loop runs: QCoreApplication is here for Qt SQL's driver plugins
    // and the application's name only.
    asio::io_context io(1);
    // Installed before anything slow, so an early SIGTERM is a clean stop.
    asio::signal_set signals(io);
    std::error_code signalError;
    signals.add(SIGINT, signalError);
    if (!signalError)
        signals.add(SIGTERM, signalError);
    if (!signalError)
        signals.add(SIGHUP, signalError);
    if (signalError)
        return fail(log, QStringLiteral("cannot watch signals: ") +
                             QString::fromStdString(signalError.message()));

    const FileLimitReport files = raiseFileLimit();
    QList<LogField> limitFields = {{"nofile_before", limitText(files.softBefore)},
                                   {"nofile", limitText(files.softAfter)},
                                   {"nofile_hard", limitText(files.hard)}};
    if (!files.error.isEmpty())
        limitFields.append({"error", files.error});
    log.event("rlimit", limitFields);
    // One descriptor per client: never promise more clients than the
    // process can hold. Each event loop beyond the first keeps two more
    // (epoll, eventfd).
    const int loops = config.loops > 0 ? std::min(config.loops, net::NetServer::MaxLoops)
                                       : net::NetServer::defaultLoopCount();
    const qint64 own = OwnDescriptors + 2 * (loops - 1);
    if (files.softAfter > own && config.maxClients > files.softAfter - own) {
        const qint64 fit = files.softAfter - own;
        log.event("max_clients_lowered", {{"requested", QString::number(config.maxClients)},
                                          {"max_clients", QString::number(fit)},
                                          {"nofile", QString::number(files.softAfter)}});
        config.maxClients = static_cast<int>(fit);
    }

    if (config.dbPath.isEmpty())
        config.dbPath = ServerConfig::defaultDbPath();
    // The clients' event loop, on this thread; it turns Asio (signals, the
    // admin socket, metrics, TLS) too. Made before the store, which hands
    // its answers to it, so the store's thread ends first.
    net::EventLoop loop(io);
    StoreThread store([&loop](std::function<void()> answer) { loop.post(std::move(answer)); });
    if (!store.open(config.dbPath, &error))
        return fail(log, error);

    log.event("start", {{"version", QStringLiteral(LONGLINE_VERSION)},
                        {"pid", QString::number(QCoreApplication::applicationPid())},
                        {"db", config.dbPath},
                        {"journal", store.journalMode()},
                        {"seq", QString::number(store.latestSeq())},
                        {"keepalive", config.liveness.keepalive.toString()},
                        {"user_timeout_ms", QString::number(config.liveness.userTimeout.count())},
                        {"heartbeat", config.liveness.heartbeat.toString()},
                        {"min_client_ping_ms", QString::number(config.minClientPing.count())},
                        {"max_line", QString::number(config.maxLine)},
                        {"max_clients", QString::number(config.maxClients)},
                        {"loops", QString::number(loops)},
                        {"max_per_address", QString::number(config.maxPerAddress)},
                        {"rate", QString::number(config.ratePer10s)},
                        {"max_history", QString::number(config.maxHistory)},
                        {"line_timeout_ms", QString::number(config.lineTimeout.count())},
                        {"max_output", QString::number(config.maxOutputBytes)}});

    if (parsed.takeOver) {
        const QString adminPath =
            config.adminSocket.isEmpty() ? AdminSocket::defaultPath() : config.adminSocket;
        net::HandoverReceiver receiver;
        if (!receiver.open(adminPath + QStringLiteral(".handover"), &error))
            return fail(log, QStringLiteral("--take-over: ") + error);
        // The running server starts handing over before its answer is out,
        // and its sends wait for a reader: receive while asking.
        QByteArray answer;
        QString askError;
        std::atomic<bool> refused{false};
        std::thread asking([&] {
            if (!AdminSocket::request(adminPath, QStringLiteral("handover ") + receiver.path(),
                                      &answer, &askError))
                refused = true;
            else if (answer.startsWith("error: "))
                refused = true, askError = QString::fromUtf8(answer.mid(7).trimmed());
        });
        const bool received = receiver.receive(TakeOverTimeoutMs, &inherited, &error, &refused);
        asking.join();
        if (!received || refused) {
            inherited.closeAll();
            return fail(log, QStringLiteral("--take-over: ") + (refused ? askError : error));
        }
        // Messages the old process stored after this one opened the file.
        if (!store.rereadLatestSeq(&error))
            return fail(log, error);
        log.event("taken_over", {{"from", adminPath},
                                 {"clients", QString::number(inherited.clients.size())},
                                 {"seq", QString::number(store.latestSeq())}});
    }
    for (const int fd : inherited.unknown)
        ::close(fd);

    net::NetServer server(loop, config, store, log);
    if (!server.listen(&error, inherited.listener))
        return fail(log, error);
    if (inherited.state >= 0 || !inherited.clients.empty()) {
        net::HandoverState handedOver;
        QString why;
        const QByteArray bytes =
            inherited.state >= 0 ? net::readWholeFile(inherited.state, &why) : QByteArray();
        if (const auto parsedState = net::parseHandover(bytes, &why))
            handedOver = *parsedState;
        else
            log.event("handover_unreadable", {{"error", why}}); // its clients are closed
        if (inherited.state >= 0)
            ::close(inherited.state);
        server.adopt(handedOver, inherited.clients);
    }
    // The operator's views: Prometheus text and the admin socket.
    HttpMetrics metrics(io, [&server] { return server.metricsText(); });
    if (config.metricsEnabled) {
        if (!metrics.listen(config.metricsAddress, config.metricsPort, &error))
            return fail(log, error);
        log.event("metrics", {{"address", config.metricsAddress.toString()},
                              {"port", QString::number(metrics.port())}});
    }
    // Set below: stops the server, handing its clients over when asked to.
    std::function<void(int, const QString &)> stop;
    AdminSocket admin(io, [&](const QString &command, std::function<void(QByteArray)> answer) {
        // `longline-server --take-over` of a newer process: hand over to it.
        static const QString handover = QStringLiteral("handover ");
        if (!command.startsWith(handover)) {
            server.adminCommand(command, std::move(answer));
            return;
        }
        if (server.state() != net::NetServer::State::Running) {
            answer("error: the server is already stopping\n");
            return;
        }
        const QString to = command.mid(handover.size());
        asio::post(io, [&stop, to] { stop(SIGTERM, to); });
        answer(QByteArray("handing over ") + QByteArray::number(server.clientCount()) +
               " clients\n");
    });
    const QString adminPath =
        config.adminSocket.isEmpty() ? AdminSocket::defaultPath() : config.adminSocket;
    if (admin.listen(adminPath, &error))
        log.event("admin_socket", {{"path", adminPath}});
    else
        log.event("admin_socket_failed", {{"error", error}}); // the chat runs without it

    // Type=notify: systemd counts the service as started once it listens.
    const SystemdNotifier systemd;
    // systemd's copies of what was handed over go, or a client this
    // process closes would stay connected through them.
    if (fromSystemdStore)
        for (const char *name :
             {net::HandoverNames::Client, net::HandoverNames::State, net::HandoverNames::Listener})
            (void)systemd.notify(QByteArray("FDSTOREREMOVE=1\nFDNAME=") + name, nullptr);
    // FileDescriptorStoreMax= of the unit (systemd 254 sets $FDSTORE; the
    // unit sets it too, for older ones): SIGTERM hands the connections over.
    const int fdStoreCapacity = qEnvironmentVariableIntValue("FDSTORE");
    if (!systemd.notify("READY=1\nSTATUS=Listening on " + config.listenText().toUtf8(), &error))
        log.event("notify_failed", {{"error", error}});

    // STATUS with the client count for `systemctl status` and, when the
    // unit sets WatchdogSec=, the watchdog's keep-alive: both sent from the
    // event loop, so a loop that stopped turning stops them and systemd
    // restarts the service.
    const qint64 watchdogUs = qEnvironmentVariable("WATCHDOG_USEC").toLongLong();
    const QString watchdogPid = qEnvironmentVariable("WATCHDOG_PID");
    const bool watchdog =
        watchdogUs > 0 &&
        (watchdogPid.isEmpty() || watchdogPid.toLongLong() == QCoreApplication::applicationPid());
    const Millis statusPeriod =
        watchdog ? std::max(Millis{100}, Millis{watchdogUs / 2000}) : SystemdStatusPeriod;
    asio::steady_timer statusTimer(io);
    std::function<void()> tellSystemd = [&] {
        const QByteArray text = (watchdog ? QByteArray("WATCHDOG=1\n") : QByteArray()) +
                                "STATUS=Serving " + QByteArray::number(server.clientCount()) +
                                " clients on " + config.listenText().toUtf8() + ", " +
                                QByteArray::number(server.metrics().messagesStored) +
                                " messages stored since start";
        (void)systemd.notify(text, nullptr);
        statusTimer.expires_after(statusPeriod);
        statusTimer.async_wait([&](const std::error_code &ec) {
            if (!ec)
                tellSystemd();
        });
    };
    if (systemd.isActive())
        tellSystemd();

    int status = 0;
    // SIGHUP (systemctl reload): the file and the flags again, the TLS
    // certificate and the password file again; a bad result changes nothing.
    auto reload = [&] {
        (void)systemd.notify("RELOADING=1", nullptr);
        ParsedArguments again = parseArguments(QCoreApplication::arguments());
        QString why;
        if (again.outcome != ParseOutcome::Run) {
            why = again.message;
        } else {
            if (files.softAfter > own && again.config.maxClients > files.softAfter - own)
                again.config.maxClients = static_cast<int>(files.softAfter - own);
            server.reload(config, again.config, &why);
        }
        if (!why.isEmpty())
            log.event("reload_refused", {{"error", why}});
        (void)systemd.notify("READY=1", nullptr);
    };
    stop = [&](int signalNumber, const QString &handoverTo) {
        statusTimer.cancel();
        (void)systemd.notify("STOPPING=1", nullptr);
        metrics.close();
        admin.close();
        auto stopped = [&] {
            store.close();
            log.event("exit", {{"status", QString::number(status)}});
            loop.stop();
        };
        // A --take-over that failed: this process serves on, with what it
        // had closed for the new one.
        auto keptServing = [&] {
            QString why;
            if (config.metricsEnabled &&
                !metrics.listen(config.metricsAddress, config.metricsPort, &why))
                log.event("metrics_failed", {{"error", why}});
            if (!admin.listen(adminPath, &why))
                log.event("admin_socket_failed", {{"error", why}});
            (void)systemd.notify("READY=1", nullptr);
            if (systemd.isActive())
                tellSystemd();
        };
        if (!handoverTo.isEmpty())
            // No limit but the next process's own descriptor limit.
            server.handOver(SystemdNotifier(handoverTo), std::numeric_limits<int>::max(),
                            net::NetServer::HandoverFailure::KeepServing, stopped, keptServing);
        else if (signalNumber == SIGTERM && systemd.isActive() && fdStoreCapacity > 2)
            server.handOver(systemd, fdStoreCapacity, net::NetServer::HandoverFailure::ShutDown,
                            stopped);
        else
            server.shutdown(signalName(signalNumber), stopped);
    };
    std::function<void()> waitForSignal;
    waitForSignal = [&] {
        signals.async_wait([&](const std::error_code &ec, int signalNumber) {
            if (ec || server.state() != net::NetServer::State::Running)
                return;
            if (signalNumber == SIGHUP) {
                reload();
                waitForSignal();
                return;
            }
            stop(signalNumber, QString());
        });
    };
    waitForSignal();
    loop.run();
    return status;
}
