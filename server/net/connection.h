#pragma once
// One client connection on the reactor: owns its socket (and TLS stream),
// its partial input line, its queued output and its one timer entry, and is
// the Participant the chat room talks to. Per connection it keeps only what
// it needs: bytes are read into the event loop's scratch buffer, output is
// queued only while the kernel's send buffer is full (broadcast lines share
// one reference-counted copy), and all its deadlines share one wheel entry.
//
// Lifetime follows the Asio chat example: the owner's registry holds a
// shared_ptr while the connection is open, and every pending operation
// holds one too, so a handler never outlives its connection. A plain-TCP
// connection waits in its EventLoop's set, registered once, with no
// pending operation at all; a TLS connection runs on Asio's socket and
// stream, and is in the set too so that its traffic wakes the loop.

#include "connectionliveness.h" // DeathVerdict, SocketOptionsReport
#include "eventloop.h"
#include "handover.h"
#include "heartbeatmonitor.h"
#include "lineframer.h"
#include "participant.h"
#include "timerwheel.h"

#include <QList>
#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace longline::server::net {

class Connection;

// Lines sent to a connection during one pass of the event loop go out in
// one write (writev) at the end of the pass, not one syscall per line: a
// HELLO in a busy room, a history page or a broadcast burst costs each
// reader one send(). One batcher per event loop.
//
// A broadcast to a large room is written in slices of MaxFlushesPerPass
// connections, with the loop's other events served between them: 19,500
// writes in one go would hold every PING waiting for its PONG (and every
// HELLO) for a tenth of a second.
class OutputBatcher
{
public:
    static constexpr size_t MaxFlushesPerPass = 256;

    explicit OutputBatcher(EventLoop &loop) : m_loop(loop) {}
    void add(std::shared_ptr<Connection> connection);

private:
    void post();
    void flushSome();
    EventLoop &m_loop;
    std::vector<std::shared_ptr<Connection>> m_dirty; // in the order they were added
    size_t m_next = 0;                                // m_dirty before this index are flushed
    bool m_posted = false;
};

// Unsent output of all of one server's connections together
// (--max-output-total). Connections add and remove their queued bytes;
// the owner sheds the readers furthest behind when it runs over.
// Shared by the server's event loops: atomic counts, changed only where
// output queues or drains (a PONG written at once never touches them).
class OutputBudget
{
public:
    explicit OutputBudget(qint64 limit) : m_limit(limit) {}
    void change(qint64 delta) { m_total.fetch_add(delta, std::memory_order_relaxed); }
    qint64 total() const { return m_total.load(std::memory_order_relaxed); }
    qint64 limit() const { return m_limit.load(std::memory_order_relaxed); }
    void setLimit(qint64 limit) { m_limit.store(limit, std::memory_order_relaxed); }
    bool over() const { return total() > limit(); }

private:
    std::atomic<qint64> m_limit;
    std::atomic<qint64> m_total{0};
};

// Calls on this loop's connections made from another thread: the room,
// running for a client of another loop, sends a line to one of ours or
// closes it. They run on this loop's thread, in the order they were made,
// a batch per wakeup (one eventfd write per batch, not per line). While
// any wait, this loop's own calls on its connections queue behind them
// (Connection::here()), so every client gets its lines in the order the
// room sent them.
class ConnectionInbox
{
public:
    using Call = std::function<void(Connection &)>;

    explicit ConnectionInbox(EventLoop &loop) : m_loop(loop) {}
    // From any thread, with the owner's chat lock held (that lock orders
    // the calls made from different threads).
    // `now`: a sendNow() (an answer), else a send().
    void send(std::shared_ptr<Connection> connection, QByteArray line, bool now = false);
    void call(std::shared_ptr<Connection> connection, Call fn);
    bool waiting() const { return m_waiting.load(std::memory_order_relaxed); }

private:
    struct Item
    {
        std::shared_ptr<Connection> connection;
        QByteArray line; // a send, when `call` is empty
        Call call;
        bool now = false;
    };
    void push(Item item);
    void deliver(); // on the loop's thread

    EventLoop &m_loop;
    std::mutex m_mutex;
    std::vector<Item> m_items; // guarded by m_mutex
    std::atomic<bool> m_waiting{false};
};

// What a connection reports to its owner; always called from the
// connection's event loop, never from inside a call the owner made.
class ConnectionEvents
{
public:
    virtual ~ConnectionEvents() = default;
    virtual void lineReceived(Connection &c, const QString &line) = 0;
    // A read that ended with a line terminator, nothing unfinished before
    // it, given as read without that last terminator and before framing,
    // at `now` (the loop's time of this wakeup). It may hold more than one
    // line: true when the owner answered it as exactly one line (a PING,
    // whose token holds no newline), false to have it framed and passed to
    // lineReceived() line by line as usual.
    virtual bool lineRead(Connection &c, QByteArrayView line, Millis now) = 0;
    // A line that broke framing: too long or not UTF-8. Already discarded.
    virtual void lineRejected(Connection &c, LineFramer::Status status, qsizetype rawSize) = 0;
    // An unfinished line sat without a newline for Limits::lineTimeout.
    virtual void lineTimedOut(Connection &c) = 0;
    // No HELLO within Limits::registrationTimeout.
    virtual void registrationTimedOut(Connection &c) = 0;
    virtual void slowReader(Connection &c, qint64 unsentBytes, const QString &why) = 0;
    // Queued output went past the server's OutputBudget.
    virtual void outputBudgetExceeded() = 0;
    // All queued output was taken while a HISTORY answer is in progress.
    virtual void outputDrained(Connection &c) = 0;
    // A heartbeat PING went out; one of ours came back after `rtt`.
    virtual void heartbeatSent(Connection &c) = 0;
    virtual void heartbeatAnswered(Connection &c, Millis rtt) = 0;
    virtual void optionsApplied(Connection &c, const SocketOptionsReport &report) = 0;
    // Exactly once; the connection is Closed. It may be inside one of its
    // own handlers: an owner keeps its reference until the loop's turn ends
    // (EventLoop::defer), which is what lets onReady() take none.
    virtual void ended(Connection &c, const DeathVerdict &verdict) = 0;
};

// Per-connection limits, from the server configuration.
struct ConnectionLimits
{
    qsizetype maxLine = 4096;         // framing limit, terminator excluded
    Millis lineTimeout = 30s;         // unfinished line without newline for this long
    Millis registrationTimeout = 60s; // connected without HELLO for this long
    Millis handshakeTimeout = 10s;    // TLS handshake not done in this long
    qint64 maxOutputBytes = 1 << 20;  // unsent output before the client is a slow reader
    Millis minClientPing{1000};       // PingGuard minimum
    int ratePer10s = 50;              // RateLimiter budget
};

// What the connections of one event loop share; they keep one reference
// to it instead of one to each part.
struct ConnectionLoop
{
    EventLoop &loop;
    TimerWheel &wheel;
    OutputBatcher &batcher;
    ConnectionInbox &inbox;
    OutputBudget &budget;     // the server's, shared by its loops
    ConnectionEvents &events; // the owner's, shared by its loops
    // This loop's copies: only its own thread reads them, and a reload
    // changes them there.
    LivenessSettings settings;
    ConnectionLimits limits;
    int index = 0; // which of the server's loops
    // While set, nothing is read from plain sockets: a hand-over waits for
    // the store, and what clients send meanwhile goes with their sockets.
    std::atomic<bool> inputHeld{false};
};

class Connection : public Participant,
                   public TimerWheel::Entry,
                   public EventLoop::Watcher,
                   public std::enable_shared_from_this<Connection>
{
public:
    using Tcp = asio::ip::tcp;
    using TlsStream = asio::ssl::stream<Tcp::socket &>;

    using Limits = ConnectionLimits;

    // A probe's answer must not sit in retransmission for a quarter of an
    // hour when the path forgot the connection: TCP_USER_TIMEOUT while the
    // PROBED line is in flight.
    static constexpr Millis ProbeUserTimeout = 10s;
    // After PROBED the connection stays open this long, still silent, before
    // BYE: a client whose answer did not come speaks once more, and behind a
    // gateway that re-creates a forgotten mapping for that (Linux's loose
    // connection tracking) its PING must get a PONG, not a reset from a
    // socket already closed, or a silent gateway would pass for a resetting one.
    static constexpr Millis ProbeLinger = 5s;
    // After BYE the peer gets this long to take the rest of its output
    // before the socket is closed; a dead or stuck peer must not hold it.
    static constexpr Millis CloseGrace = 2s;
    // Most bytes read from one connection per readiness event, so one
    // flooding client cannot starve the others on its loop.
    static constexpr size_t MaxReadPerWakeup = 256 * 1024;

    // Takes `fd`, a connected non-blocking TCP socket; `loop` outlives the
    // connection. `tls` is set for a TLS listener: the handshake runs
    // first, under handshakeTimeout, and the loop must be the one that
    // turns Asio. `limits`: the server's, as the thread making it sees them
    // (the loop's copy belongs to the loop's thread).
    // `peer`: the address accept() returned, if any (else getpeername()).
    Connection(quint64 id, int fd, std::shared_ptr<asio::ssl::context> tls, ConnectionLoop &loop,
               const Limits &limits, const sockaddr_storage *peer = nullptr);
    ~Connection();

    // Participant
    QString peer() const override;
    QHostAddress peerAddress() const override;
    bool isEncrypted() const override { return m_tls != nullptr && !m_handshaking; }
    void send(const QByteArray &line) override;
    void sendNow(QByteArrayView line) override;
    void close(const QString &byeReason, const QString &localReason) override;
    void notePong(const QString &token) override;
    // Any thread: the room asks it of clients of other loops. Lines still
    // in the loop's inbox count: a HISTORY answer sent from another loop
    // paces itself by them too.
    qint64 queuedBytes() const override
    {
        return m_outBytes.load(std::memory_order_relaxed) +
               m_inboxBytes.load(std::memory_order_relaxed);
    }
    void startProbe(const QString &token, Millis delay) override;
    bool probePending() const override { return probeDue().count() > 0; }
    bool peerHasClosed() const override;

    // The loop this connection is served on; every call below but the
    // Participant ones (which find their way there) is made on its thread.
    EventLoop &eventLoop() const { return m_loop.loop; }
    int loopIndex() const { return m_loop.index; }
    // Runs `fn` on this connection's loop: now when called there with no
    // call from another thread waiting, else through the loop's inbox
    // (from another thread: with the owner's chat lock held).
    void runHere(ConnectionInbox::Call fn);

    // Applies options, starts the heartbeat and reading.
    void start();
    // Instead of start(), for a connection another process handed over
    // (handover.h): restoreChat() takes the chat state, on the room's side
    // before the room adopts it; resume() the deadlines, heartbeat timing,
    // unfinished line and unsent output, on the connection's loop.
    void restoreChat(const HandedConnection &state);
    void resume(const HandedConnection &state);
    // Plain TCP and open: the next process can continue it. TLS sessions
    // and connections already closing cannot be handed over.
    bool canHandOver() const { return !m_tls && isOpen(); }
    // Everything the next process needs, with the descriptor, which this
    // process no longer watches or closes. The connection is Closed
    // afterwards without an ended() event: it did not end.
    HandedConnection handOver();
    // The server's liveness settings changed (a reload): the socket options
    // are applied again and the heartbeat runs with the new policy.
    void applyLiveness();
    // Ends at once without a word (the peer is gone or stuck).
    void abort(const QString &localReason);
    // Closes now, without an ended() event, and lets go of the loop's
    // parts: for an owner going away with connections still open.
    void detach();
    // Drops a reader that is too far behind (`why`: which limit), from the
    // event loop, never from inside the caller.
    void dropSlowReader(const QString &why);
    Millis age() const { return monotonicNow() - m_startedAt; }
    Millis silence() const { return m_heartbeat.silence(); } // since the last byte received
    std::optional<Millis> lastRtt() const; // of the last heartbeat answered, if any
    int nativeHandle() const { return m_fd; }

private:
    friend class OutputBatcher;
    friend class ConnectionInbox;
    struct Tls;
    // What only a connection being probed or closed by us needs.
    struct Notes
    {
        QString probeToken;
        QString localReason;
        Millis probeDue{0};      // 0 = no PROBE waiting (or lingering after its answer)
        Millis closeDeadline{0}; // 0 = not closing
    };
    Notes &notes();
    // A Participant call runs here and now: on this connection's loop,
    // with no call from another thread waiting before it. Otherwise it
    // goes through the loop's ConnectionInbox.
    bool here() const { return m_loop.loop.isCurrent() && !m_loop.inbox.waiting(); }
    // What the Participant calls do, on the connection's loop.
    void sendHere(const QByteArray &line);
    void sendNowHere(QByteArrayView line);
    void closeHere(const QString &byeReason, const QString &localReason);
    void notePongHere(const QString &token);
    void startProbeHere(const QString &token, Millis delay);
    qint64 outBytes() const { return m_outBytes.load(std::memory_order_relaxed); }
    // Only the connection's loop changes it: a load and a store.
    void addOutBytes(qint64 delta)
    {
        m_outBytes.store(outBytes() + delta, std::memory_order_relaxed);
    }
    QString probeToken() const { return m_notes ? m_notes->probeToken : QString(); }
    QString localReason() const { return m_notes ? m_notes->localReason : QString(); }
    Millis probeDue() const { return m_notes ? m_notes->probeDue : Millis{0}; }
    Millis closeDeadline() const { return m_notes ? m_notes->closeDeadline : Millis{0}; }
    void setProbeDue(Millis at)
    {
        if (m_notes || at.count() > 0)
            notes().probeDue = at;
    }
    void setCloseDeadline(Millis at)
    {
        if (m_notes || at.count() > 0)
            notes().closeDeadline = at;
    }
    void onTimer(Millis now) override;
    void onReady(uint32_t events) override;
    void rearm();
    // The soonest of the deadlines that apply now, if any (heartbeat,
    // unfinished line, registration, probe, handshake, close grace).
    std::optional<Millis> earliestDeadline();
    void startTls();
    // Reads what the socket holds, up to MaxReadPerWakeup; `toEnd`: until
    // EAGAIN or end of stream even after a short read (the peer closed).
    void readAvailable(bool toEnd);
    void readTls();
    void onBytes(const char *data, size_t size);
    void flush();
    // Writes what the kernel takes now; would-block is not an error.
    std::error_code writeQueued();
    void waitWritable();
    void writeTls();
    void afterDrain();
    void outputTaken(qint64 bytes);
    void finishProbe(Millis now);
    void discardOutput();
    void fail(const std::error_code &ec);
    void finish(const DeathVerdict &verdict);
    void markLocalClose(const QString &reason);
    Millis sinceLastHeard(const KernelSocketView &view) const;

    // Fields are grouped by size so that little pads (two bytes): the
    // server keeps one Connection per client, most of them idle. What a PING touches comes
    // first, in three cache lines after the bases' (the loop, the socket,
    // the output state and flags, the framer's counts, the write log, the
    // heartbeat's last-heard time); the rest is for the rarer paths.
    ConnectionLoop &m_loop;
    std::unique_ptr<Tls> m_tls; // TLS only: Asio's socket, stream and read buffer
    // Output the kernel did not take yet, oldest first; empty (and
    // unallocated) while the connection keeps up.
    QList<QByteArray> m_out;
    std::atomic<qint64> m_outBytes{0}; // read by the room from any loop
    // Bytes of lines for it in its loop's inbox (ConnectionInbox).
    std::atomic<qint32> m_inboxBytes{0};
    // -1 once closed or handed over. Atomic (a plain load on x86) since
    // the room may look at the socket from another loop (peerHasClosed).
    std::atomic<int> m_fd;
    // Bytes of m_out.first() already written. A queued piece is one line,
    // one history slice or at most 1 MiB of handed-over output (resume()).
    qint32 m_outOffset = 0;
    bool m_writeArmed = false;  // waiting for writability / a TLS write in flight
    bool m_flushQueued = false; // in the batcher's list for the end of this pass
    bool m_reading = false;     // inside onReadable: output is flushed at its end
    bool m_handshaking = false;
    bool m_probeAnswered = false; // PROBED sent: the probe's due time is the end of the linger
    bool m_shutdownSent = false;
    bool m_localClose = false;
    bool m_holdsAsio = false; // TLS: the loop polls Asio every turn while held
    bool m_peerIsV4 = false;
    quint16 m_peerPort = 0;
    qint32 m_lastRttMs = -1; // of the last heartbeat answered, -1 = none yet
    LineFramer m_framer;
    SentBytesLog m_sentLog; // plain TCP: dates the data in flight for a verdict
    HeartbeatMonitor m_heartbeat;

    std::unique_ptr<Notes> m_notes; // allocated by a probe or a local close
    Millis m_startedAt{0};
    Millis m_registerBy{0};   // no HELLO by then: closed
    Millis m_lineDeadline{0}; // 0 = no unfinished line
    // The peer's address as QHostAddress would hold it on the heap: an
    // IPv4 address in the first four bytes (host order), or IPv6.
    std::array<quint8, 16> m_peerIp{};
};

} // namespace longline::server::net
