#pragma once
// The listening side of longline-server on the reactor: accepts
// connections (and never stops for good when descriptors run out), enforces
// the connection limits, gives each client a Connection that the ChatRoom
// sees as a Participant, logs every connection event, and shuts down
// cleanly. One EventLoop runs it all; the chat room is reached only
// through its own interface.

#include "chatroom.h"
#include "connection.h"
#include "handover.h"
#include "metrics.h"
#include "serverconfig.h"
#include "systemdnotify.h"
#include "tlscontext.h"

#include <QHash>
#include <QHostAddress>
#include <asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <unordered_map>

namespace longline::server {
class MessageStore;
class ServerLog;
} // namespace longline::server

namespace longline::server::net {

class NetServer : public ConnectionEvents, private EventLoop::Watcher
{
public:
    enum class State
    {
        Idle,
        Running,
        ShuttingDown,
        Stopped
    };

    // Pending connections the kernel may queue before accept().
    static constexpr int ListenBacklog = 4096;
    // How long clients get to take their BYE at shutdown before we cut.
    static constexpr Millis ShutdownGrace = 3s;
    // After the process ran out of descriptors, accepting pauses this long.
    static constexpr Millis AcceptPause = 200ms;
    // How long a hand-over waits for systemd to confirm it stored everything.
    static constexpr int HandoverBarrierMs = 5000;

    // The protocol (IPv4 or IPv6) of a socket given as a bare descriptor.
    static asio::ip::tcp protocolOf(int fd);

    NetServer(EventLoop &loop, const ServerConfig &config, MessageStore &store, ServerLog &log);
    ~NetServer() override;

    // `inheritedListener`: a listening socket the last process handed over
    // (handover.h), used when it is bound where the configuration says.
    bool listen(QString *error, int inheritedListener = -1);
    // After listen(): continues the clients the last process handed over.
    // `fds` are their descriptors, matched to the state by the socket's two
    // ends; one without a state is closed. Returns how many continue.
    int adopt(const HandoverState &state, const std::vector<int> &fds);
    // What a hand-over that was not confirmed does next: the clients are
    // continued here either way; then it goes on serving (--take-over: the
    // new process gave up) or shuts down as without a hand-over (SIGTERM).
    enum class HandoverFailure
    {
        KeepServing,
        ShutDown
    };
    // SIGTERM with a file descriptor store, or --take-over of a newer
    // process: the listener, every plain client and their state go to
    // `receiver` (systemd's store, or the new process; at most `capacity`
    // descriptors in all), which continues them; TLS clients and any beyond
    // the capacity get "BYE server restarting" first. `stopped` is called
    // as for shutdown(); `keptServing` when a failed hand-over went on
    // serving (the owner reopens what it closed for the next process).
    void handOver(const SystemdNotifier &receiver, int capacity, HandoverFailure onFailure,
                  std::function<void()> stopped, std::function<void()> keptServing = {});
    quint16 serverPort() const { return m_port; }
    State state() const { return m_state; }
    int clientCount() const { return static_cast<int>(m_connections.size()); }

    // What --metrics serves: the counters and the connections now.
    QByteArray metricsText() const;
    // One command from the admin socket ("status", "status --json",
    // "kick NICK|ADDRESS", "ban ADDRESS [SECONDS]", "unban ADDRESS"); the
    // answer ends with a newline, and starts with "error: " on failure.
    QByteArray adminCommand(const QString &command);
    ServerMetrics &metrics() { return m_metrics; }

    // SIGHUP: `next` replaces the running configuration (the object this
    // server was built with) if it can: a new TLS certificate and key must
    // load, and what only a restart can change (listen address, database,
    // metrics, admin socket, log) must be unchanged. Liveness changes and
    // the output and deadline limits apply to open connections at once;
    // rate, line length and ping limits to new ones.
    // False with *error (and nothing changed) otherwise.
    bool reload(ServerConfig &running, const ServerConfig &next, QString *error);

    // Stops accepting, says "BYE server shutting down" to every client and
    // calls `stopped` once all are gone (or ShutdownGrace passed). Both
    // this and handOver() first wait for the messages being stored to be
    // answered (ChatRoom::whenStored).
    void shutdown(const QString &why, std::function<void()> stopped);

private:
    // ConnectionEvents
    void lineReceived(Connection &c, const QString &line) override;
    bool lineRead(Connection &c, QByteArrayView line, Millis now) override;
    void lineRejected(Connection &c, LineFramer::Status status, qsizetype rawSize) override;
    void lineTimedOut(Connection &c) override;
    void registrationTimedOut(Connection &c) override;
    void slowReader(Connection &c, qint64 unsentBytes, const QString &why) override;
    void outputBudgetExceeded() override;
    void outputDrained(Connection &c) override;
    void heartbeatSent(Connection &c) override;
    void heartbeatAnswered(Connection &c, Millis rtt) override;
    void optionsApplied(Connection &c, const SocketOptionsReport &report) override;
    void ended(Connection &c, const DeathVerdict &verdict) override;

    // Waits for connections in the loop's set (again); stopAccepting()
    // takes the listener out (a pause, a shutdown, a hand-over).
    void accept();
    void stopAccepting();
    void onReady(uint32_t events) override; // the listener
    // Takes the waiting connections, a bounded number per wakeup.
    void acceptWaiting();
    void onAccepted(int fd, const sockaddr_storage &remote);
    void pauseAccepting(const std::error_code &ec);
    void shedOneWaiting();
    void reject(int fd, const QString &peer, const QString &why, const QString &reasonKey);
    QByteArray statusText(bool json) const;
    // Connections whose nick (case-insensitive) or address is `target`.
    std::vector<std::shared_ptr<Connection>> matching(const QString &target) const;
    bool isBanned(const QHostAddress &address);
    void finishShutdown();
    // A connection of `address` is gone from m_perAddress's count.
    void forgetAddress(const QHostAddress &address);
    // Waits ShutdownGrace for the connections left to take their BYE.
    void awaitClosing();
    void tickRoom();
    // handOver() and shutdown() once nothing is being stored.
    void handOverNow(const SystemdNotifier &receiver, int capacity, HandoverFailure onFailure,
                     std::function<void()> stopped, std::function<void()> keptServing);
    void shutdownNow(const QString &why, std::function<void()> stopped);
    // Drops the readers furthest behind until the queued output of all is
    // back under three quarters of --max-output-total.
    void shedSlowestReaders();
    static QString leaveReason(const DeathVerdict &verdict);

    EventLoop &m_eventLoop;
    const ServerConfig &m_config;
    ServerLog &m_log;
    ChatRoom m_room;
    TimerWheel m_wheel;
    OutputBatcher m_batcher;
    OutputBudget m_outputBudget;
    bool m_sheddingPosted = false;
    bool m_handoverPending = false; // waiting for the receiver to confirm
    bool m_stopRequested = false;   // a shutdown or hand-over waits for the store
    TlsContext m_tls;
    Connection::Limits m_limits;
    ConnectionLoop m_loop; // the parts above, as every connection sees them
    asio::ip::tcp::acceptor m_acceptor;
    EventLoop::Timer m_acceptPause;
    EventLoop::Timer m_shutdownTimer;
    EventLoop::Timer m_roomTick; // one timer for the whole room, not per connection
    bool m_listening = false;    // the listener is in the loop's set
    quint16 m_port = 0;
    State m_state = State::Idle;
    // QHash, not std::unordered_map: no node allocation per client.
    QHash<quint64, std::shared_ptr<Connection>> m_connections;
    QHash<QHostAddress, int> m_perAddress; // open connections per client address
    quint64 m_nextId = 1;
    // Held open so that, when the process is out of descriptors, one can
    // be freed to accept a waiting client and tell it why it is refused.
    int m_reserveFd = -1;
    bool m_acceptPaused = false;
    quint64 m_shedWhilePaused = 0;
    std::function<void()> m_stopped;
    std::function<void()> m_keptServing;
    ServerMetrics m_metrics;
    // Addresses the operator banned, until when (monotonic; 0 = for good).
    QHash<QHostAddress, Millis> m_bans;
};

} // namespace longline::server::net
