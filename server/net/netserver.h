#pragma once
// The listening side of longline-server on the reactor: accepts
// connections (and never stops for good when descriptors run out), enforces
// the connection limits, gives each client a Connection that the ChatRoom
// sees as a Participant, logs every connection event, and shuts down
// cleanly. The chat room is reached only through its own interface.
//
// Clients are spread over --loops event loops, one thread each (by default
// one per CPU the process may run on). The first is the loop the server
// was made with: it accepts, turns Asio (TLS clients, which stay on it,
// the admin socket, metrics, signals) and gets the store's answers. The
// room and the server's books are one piece of state behind one lock, the
// chat lock: the first loop holds it for each whole turn, the others take
// it for each event they pass up (a line, a PING, a death), and a line the
// room sends to a client of another loop goes through that loop's
// ConnectionInbox. A PING costs its loop the lock once; a connection's own
// reading, writing and deadlines never need it.

#include "chatroom.h"
#include "connection.h"
#include "handover.h"
#include "metrics.h"
#include "serverconfig.h"
#include "systemdnotify.h"
#include "tlscontext.h"

#include <QHash>
#include <QHostAddress>
#include <QStringList>
#include <asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
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

    // Most event loops --loops may ask for.
    static constexpr int MaxLoops = 64;
    // The loops --loops 0 (the default) makes: one per CPU this process
    // may run on (its affinity, which taskset and systemd's CPUAffinity= set).
    static int defaultLoopCount();

    // `loop` serves clients too; config.loops - 1 more (or
    // defaultLoopCount() - 1) start here, each on its own thread, and stop
    // in the destructor.
    NetServer(EventLoop &loop, const ServerConfig &config, MessageStore &store, ServerLog &log);
    ~NetServer() override;
    int loopCount() const { return static_cast<int>(m_loops.size()); }

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
    // `answer` runs on the first loop, later when every loop must look at
    // its own clients (status).
    void adminCommand(const QString &command, std::function<void(QByteArray)> answer);
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

    // One event loop serving clients, and what its connections share.
    struct ServingLoop
    {
        // `external`: the server's first loop; the others make their own
        // (with an Asio context of their own that never gets work).
        ServingLoop(EventLoop *external, NetServer &server, int index);
        std::unique_ptr<asio::io_context> ownAsio;
        std::unique_ptr<EventLoop> ownLoop;
        EventLoop &loop;
        TimerWheel wheel;
        OutputBatcher batcher;
        ConnectionInbox inbox;
        ConnectionLoop parts;
        std::thread thread; // the others': runs `loop`
        int clients = 0;    // guarded by the chat lock
    };
    // Held while a loop other than the first calls into the room or the
    // server's books; the first holds it for its whole turn. Recursive: a
    // handler of the first loop takes it again.
    class ChatLock
    {
    public:
        explicit ChatLock(const NetServer &server);
        ~ChatLock();
        ChatLock(const ChatLock &) = delete;
        ChatLock &operator=(const ChatLock &) = delete;

    private:
        std::recursive_mutex *m_mutex;
    };
    void startLoops(int count);
    void stopLoops();
    // From the first loop: `fn(index)` on each loop's thread with the chat
    // lock held (the first's now), then `then` on the first loop once every
    // loop ran it and the calls it deferred.
    void onEveryLoop(std::function<void(int)> fn, std::function<void()> then);
    // `fn` on the first loop, at the end of this turn when called there.
    void onFirstLoop(std::function<void()> fn);
    // The loop a new plain client goes to: the one with the fewest.
    ServingLoop &leastLoaded();
    // Holds (or lets go of) every loop's reading from plain sockets.
    void holdInput(bool held);

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
    // A connection as `status` shows it, read on its own loop.
    struct StatusRow
    {
        quint64 id = 0;
        QString nick;
        QString peer;
        Participant::State state = Participant::State::Connected;
        bool tls = false;
        Millis age{0};
        Millis silence{0};
        std::optional<Millis> rtt;
        qint64 queuedBytes = 0;
        KernelSocketView view;
    };
    QByteArray statusText(bool json, std::vector<StatusRow> rows) const;
    // The admin commands other than status: kick, ban, unban.
    QByteArray adminAction(const QStringList &words);
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
    // A client handed over, and what it became.
    using Handed = std::pair<std::shared_ptr<Connection>, HandedConnection>;
    // Once every loop handed over its own (`handed`, per loop).
    void handOverHanded(const SystemdNotifier &receiver, HandoverFailure onFailure,
                        const std::vector<std::vector<Handed>> &handed);
    void shutdownNow(const QString &why, std::function<void()> stopped);
    // Drops the readers furthest behind until the queued output of all is
    // back under three quarters of --max-output-total.
    void shedSlowestReaders();
    // Sheds from the readers each loop listed, with the bytes each held.
    void
    shedFrom(const std::vector<std::vector<std::pair<std::shared_ptr<Connection>, qint64>>> &lists);
    static QString leaveReason(const DeathVerdict &verdict);

    EventLoop &m_eventLoop; // the first loop
    const ServerConfig &m_config;
    ServerLog &m_log;
    ChatRoom m_room;
    OutputBudget m_outputBudget;
    mutable std::recursive_mutex m_chatLock;
    bool m_threaded = false; // more than one loop: the chat lock is taken
    bool m_sheddingPosted = false;
    bool m_handoverPending = false; // waiting for the receiver to confirm
    bool m_stopRequested = false;   // a shutdown or hand-over waits for the store
    TlsContext m_tls;
    Connection::Limits m_limits; // the first loop's; each loop has a copy
    // The first is m_eventLoop's; declared before the connections, which
    // refer to them.
    std::vector<std::unique_ptr<ServingLoop>> m_loops;
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
