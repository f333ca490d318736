#include "netserver.h"

#include "clientaddress.h"
#include "messagestore.h"
#include "serverlog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <asio/ip/v6_only.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace longline::server::net {

namespace {

QString millisText(Millis ms)
{
    return QString::number(ms.count());
}

// A refused client gets its ERR and BYE, then this long to read them.
struct RefusedClient : std::enable_shared_from_this<RefusedClient>
{
    RefusedClient(asio::io_context &io, int fd) : socket(io), timer(io)
    {
        std::error_code ec;
        socket.assign(NetServer::protocolOf(fd), fd, ec);
        if (ec)
            ::close(fd); // not taken: the writes below fail harmlessly
    }
    void start(const QByteArray &lines)
    {
        std::error_code ec;
        socket.non_blocking(true, ec);
        socket.write_some(asio::buffer(lines.constData(), static_cast<size_t>(lines.size())), ec);
        socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        timer.expires_after(Connection::CloseGrace);
        timer.async_wait([self = shared_from_this()](const std::error_code &) {
            std::error_code ignored;
            self->socket.close(ignored);
        });
        // The client's own close (or anything it sends) ends the wait early.
        socket.async_wait(asio::ip::tcp::socket::wait_read,
                          [self = shared_from_this()](const std::error_code &) {
                              std::error_code ignored;
                              self->timer.cancel();
                              self->socket.close(ignored);
                          });
    }
    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
};

} // namespace

// --- event loops ------------------------------------------------------------

int NetServer::defaultLoopCount()
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return 1;
    return std::clamp(CPU_COUNT(&allowed), 1, MaxLoops);
}

NetServer::ServingLoop::ServingLoop(EventLoop *external, NetServer &server, int index)
    : ownAsio(external ? nullptr : std::make_unique<asio::io_context>(1)),
      ownLoop(external ? nullptr : std::make_unique<EventLoop>(*ownAsio)),
      loop(external ? *external : *ownLoop), wheel(loop), batcher(loop),
      inbox(loop), parts{loop,
                         wheel,
                         batcher,
                         inbox,
                         server.m_outputBudget,
                         server,
                         server.m_config.liveness,
                         server.m_limits,
                         index}
{
}

NetServer::ChatLock::ChatLock(const NetServer &server)
    : m_mutex(server.m_threaded ? &server.m_chatLock : nullptr)
{
    if (m_mutex)
        m_mutex->lock();
}

NetServer::ChatLock::~ChatLock()
{
    if (m_mutex)
        m_mutex->unlock();
}

void NetServer::startLoops(int count)
{
    m_loops.push_back(std::make_unique<ServingLoop>(&m_eventLoop, *this, 0));
    for (int i = 1; i < count; ++i) {
        m_loops.push_back(std::make_unique<ServingLoop>(nullptr, *this, i));
        m_loops.back()->loop.ignoreAsio();
    }
    m_threaded = count > 1;
    if (!m_threaded)
        return;
    m_eventLoop.setTurnLock(&m_chatLock);
    for (size_t i = 1; i < m_loops.size(); ++i) {
        ServingLoop &serving = *m_loops[i];
        // Running before this returns: a loop's thread is the one it
        // checks calls against (EventLoop::isCurrent).
        std::promise<void> running;
        serving.loop.post([&running] { running.set_value(); });
        serving.thread = std::thread([&loop = serving.loop, i] {
            // What `top -H` and `ps -L` show: "longline-loop1", ...
            const std::string name = "longline-loop" + std::to_string(i);
            ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
            loop.run();
        });
        running.get_future().wait();
    }
}

void NetServer::stopLoops()
{
    for (size_t i = 1; i < m_loops.size(); ++i) {
        ServingLoop &serving = *m_loops[i];
        if (!serving.thread.joinable())
            continue;
        serving.loop.post([&loop = serving.loop] { loop.stop(); });
        serving.thread.join();
    }
    m_eventLoop.setTurnLock(nullptr);
}

void NetServer::onEveryLoop(std::function<void(int)> fn, std::function<void()> then)
{
    auto left = std::make_shared<size_t>(m_loops.size());
    auto last = std::make_shared<std::function<void()>>(std::move(then));
    auto oneDone = [left, last] {
        if (--*left == 0 && *last)
            (*last)();
    };
    for (size_t i = 1; i < m_loops.size(); ++i) {
        EventLoop &loop = m_loops[i]->loop;
        loop.post([this, &loop, i, fn, oneDone] {
            {
                const ChatLock lock(*this);
                fn(static_cast<int>(i));
            }
            // After what `fn` deferred (the end of an abort, say).
            loop.defer([this, oneDone] { m_eventLoop.post(oneDone); });
        });
    }
    // The first loop's share runs through its mailbox too, behind the
    // lines its inbox holds for its clients (a hand-over must not take a
    // client's output before the BYEs and LEAVEs sent to it just now).
    m_eventLoop.post([this, fn, oneDone] {
        {
            const ChatLock lock(*this);
            fn(0);
        }
        m_eventLoop.defer(oneDone);
    });
}

void NetServer::onFirstLoop(std::function<void()> fn)
{
    if (m_eventLoop.isCurrent())
        m_eventLoop.defer(std::move(fn));
    else
        m_eventLoop.post(std::move(fn));
}

NetServer::ServingLoop &NetServer::leastLoaded()
{
    // A tie goes to the later loop: the first has the room's own work
    // (the store's answers, Asio, accepting) besides its clients.
    ServingLoop *least = m_loops.back().get();
    for (auto it = m_loops.rbegin(); it != m_loops.rend(); ++it)
        if ((*it)->clients < least->clients)
            least = it->get();
    return *least;
}

void NetServer::holdInput(bool held)
{
    for (const auto &serving : m_loops)
        serving->parts.inputHeld.store(held, std::memory_order_relaxed);
}

NetServer::NetServer(EventLoop &loop, const ServerConfig &config, MessageStore &store,
                     ServerLog &log)
    : m_eventLoop(loop), m_config(config), m_log(log), m_room(config, store, log),
      m_outputBudget(config.maxOutputTotal), m_acceptor(loop.asio()), m_acceptPause(loop),
      m_shutdownTimer(loop), m_roomTick(loop)
{
    m_limits.maxLine = config.maxLine;
    m_limits.lineTimeout = config.lineTimeout;
    m_limits.registrationTimeout = config.registrationTimeout;
    m_limits.handshakeTimeout = config.handshakeTimeout;
    m_limits.maxOutputBytes = config.maxOutputBytes;
    m_limits.minClientPing = config.minClientPing;
    m_limits.ratePer10s = config.ratePer10s;
    m_room.setMetrics(&m_metrics);
    // A framed PING is timed by the loop it came in on.
    m_room.setPingClock([] {
        const EventLoop *current = EventLoop::current();
        return current ? current->now() : monotonicNow();
    });
    m_reserveFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    startLoops(config.loops > 0 ? std::min(config.loops, MaxLoops) : defaultLoopCount());
}

NetServer::~NetServer()
{
    stopLoops();
    stopAccepting();
    // Connections still open (the loop stopped without a shutdown) leave
    // the epoll set and the wheel while both exist: a pending handler of
    // the io_context may hold one beyond this server.
    for (const auto &connection : std::as_const(m_connections))
        connection->detach();
    if (m_reserveFd >= 0)
        ::close(m_reserveFd);
}

bool NetServer::listen(QString *error, int inheritedListener)
{
    if (!m_config.tlsCertPath.isEmpty()) {
        m_tls = TlsContext::load(m_config.tlsCertPath, m_config.tlsKeyPath, error);
        if (!m_tls.context)
            return false;
    }
    bool dualStack = false;
    const asio::ip::address address = listenAddress(m_config.address, &dualStack);
    const asio::ip::tcp::endpoint endpoint(address, m_config.port);
    std::error_code ec;
    auto failed = [&](const char *what) {
        if (error)
            *error = QStringLiteral("cannot listen on %1: %2 (%3)")
                         .arg(m_config.listenText(), QString::fromStdString(ec.message()),
                              QLatin1String(what));
        m_acceptor.close(ec);
        return false;
    };
    bool inherited = false;
    if (inheritedListener >= 0) {
        // The last process's listener: connections the kernel queued while
        // no process accepted are still in it. Used only where configured.
        m_acceptor.assign(endpoint.protocol(), inheritedListener, ec);
        inherited = !ec && m_acceptor.local_endpoint(ec) == endpoint && !ec;
        if (!inherited) {
            m_log.event("listener_not_inherited",
                        {{"listen", m_config.listenText()}, {"why", QStringLiteral("moved")}});
            std::error_code ignored;
            if (m_acceptor.is_open())
                m_acceptor.close(ignored);
            else
                ::close(inheritedListener);
        }
    }
    if (!inherited) {
        m_acceptor.open(endpoint.protocol(), ec);
        if (ec)
            return failed("socket");
        m_acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
        if (address.is_v6())
            m_acceptor.set_option(asio::ip::v6_only(!dualStack), ec);
        m_acceptor.bind(endpoint, ec);
        if (ec)
            return failed("bind");
    }
    m_acceptor.listen(ListenBacklog, ec);
    if (ec)
        return failed("listen");
    m_port = m_acceptor.local_endpoint(ec).port();
    m_state = State::Running;

    QList<LogField> fields = {
        {"address", dualStack ? QStringLiteral("::") : QString::fromStdString(address.to_string())},
        {"port", QString::number(m_port)},
        {"backlog", QString::number(ListenBacklog)}};
    if (dualStack)
        fields.append({"dual_stack", QStringLiteral("1")});
    fields.append({"tls", m_tls.context ? QStringLiteral("1") : QStringLiteral("0")});
    if (inherited)
        fields.append({"inherited", QStringLiteral("1")});
    if (m_tls.context)
        fields.append({"cert_sha256", m_tls.fingerprint});
    fields.append(
        {"password", m_config.password.isEmpty() ? QStringLiteral("off") : QStringLiteral("on")});
    m_log.event("listen", fields);
    accept();
    tickRoom();
    return true;
}

void NetServer::accept()
{
    if (m_state != State::Running || m_listening || !m_acceptor.is_open())
        return;
    // Level-triggered: connections left waiting after a batch wake the
    // loop again on its next turn.
    m_listening = !m_eventLoop.addListener(m_acceptor.native_handle(), this);
}

void NetServer::stopAccepting()
{
    if (m_listening)
        m_eventLoop.remove(m_acceptor.native_handle(), this);
    m_listening = false;
}

void NetServer::onReady(uint32_t)
{
    if (m_state == State::Running)
        acceptWaiting();
}

void NetServer::acceptWaiting()
{
    // Up to this many per wakeup: a storm of connects is taken in batches
    // (one wakeup, one accept4 each), and the clients already connected
    // get their turn between the batches.
    constexpr int MaxAcceptsPerWakeup = 64;
    std::error_code ec;
    if (!m_acceptor.native_non_blocking())
        m_acceptor.native_non_blocking(true, ec);
    for (int i = 0; i < MaxAcceptsPerWakeup && m_state == State::Running; ++i) {
        sockaddr_storage remote{};
        socklen_t length = sizeof(remote);
        const int fd = ::accept4(m_acceptor.native_handle(), reinterpret_cast<sockaddr *>(&remote),
                                 &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK)
                break;
            if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
                pauseAccepting(std::error_code(error, std::system_category()));
                return;
            }
            continue; // ECONNABORTED and friends concern one client only
        }
        onAccepted(fd, remote);
    }
}

void NetServer::onAccepted(int fd, const sockaddr_storage &remote)
{
    if (m_acceptPaused) {
        m_log.event("accept_resumed", {{"shed", QString::number(m_shedWhilePaused)},
                                       {"clients", QString::number(m_connections.size())}});
        m_acceptPaused = false;
        m_shedWhilePaused = 0;
    }
    quint16 port = 0;
    const QHostAddress address = clientAddress(remote, &port);
    const QString peer = formatEndpoint(address, port);
    if (isBanned(address)) {
        reject(fd, peer, QStringLiteral("your address is banned from this server"),
               QStringLiteral("banned"));
    } else if (static_cast<int>(m_connections.size()) >= m_config.maxClients) {
        reject(fd, peer, QStringLiteral("the server is full (%1 clients)").arg(m_config.maxClients),
               QStringLiteral("server_full"));
    } else if (m_perAddress.value(address) >= m_config.maxPerAddress) {
        reject(fd, peer,
               QStringLiteral("too many connections from %1 (limit %2)")
                   .arg(address.toString())
                   .arg(m_config.maxPerAddress),
               QStringLiteral("per_address"));
    } else {
        ++m_metrics.accepted;
        // No Nagle: lines for a client already leave in one write per turn,
        // and Nagle's algorithm would hold an answer (a PONG, an ACK) while
        // an earlier line waits for the client's delayed ACK, up to 40 ms.
        const int one = 1;
        (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        // TLS runs on Asio, which only the first loop turns.
        ServingLoop &serving = m_tls.context ? *m_loops.front() : leastLoaded();
        auto c = std::make_shared<Connection>(m_nextId++, fd, m_tls.context, serving.parts,
                                              m_limits, &remote);
        m_connections.insert(c->id(), c);
        ++serving.clients;
        ++m_perAddress[address];
        m_log.event("connect", {{"id", QString::number(c->id())},
                                {"peer", peer},
                                {"clients", QString::number(m_connections.size())}});
        // Through its loop's inbox, before anything the room sends it.
        c->runHere([](Connection &started) { started.start(); });
    }
}

void NetServer::pauseAccepting(const std::error_code &ec)
{
    // Out of descriptors: the waiting clients would sit in the listen
    // queue forever. Shed the first one with an answer, then pause briefly
    // and try again; never stop accepting for good.
    if (!m_acceptPaused) {
        m_acceptPaused = true;
        // strerror, not ec.message(): UBSan flags the virtual call through
        // the error category of an accept that failed with EMFILE.
        m_log.event("accept_paused", {{"error", QString::fromLocal8Bit(std::strerror(ec.value()))},
                                      {"errno", QString::number(ec.value())},
                                      {"clients", QString::number(m_connections.size())},
                                      {"pause_ms", millisText(AcceptPause)}});
    }
    shedOneWaiting();
    stopAccepting();
    m_acceptPause.start(AcceptPause, [this] { accept(); });
}

void NetServer::shedOneWaiting()
{
    if (m_reserveFd < 0)
        return;
    ::close(m_reserveFd);
    m_reserveFd = -1;
    const int fd = ::accept4(m_acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
        const QByteArray lines =
            protocol::error(protocol::ErrorCode::ServerFull,
                            QStringLiteral("the server is out of file descriptors; retry later")) +
            protocol::bye(QStringLiteral("server full"));
        (void)!::send(fd, lines.constData(), static_cast<size_t>(lines.size()),
                      MSG_DONTWAIT | MSG_NOSIGNAL);
        ::close(fd);
        ++m_shedWhilePaused;
        ++m_metrics.refused[QStringLiteral("out_of_descriptors")];
    }
    m_reserveFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void NetServer::reject(int fd, const QString &peer, const QString &why, const QString &reasonKey)
{
    ++m_metrics.refused[reasonKey];
    m_log.event("reject",
                {{"peer", peer},
                 {"code", QString::number(static_cast<int>(protocol::ErrorCode::ServerFull))},
                 {"name", protocol::errorName(protocol::ErrorCode::ServerFull)},
                 {"text", why},
                 {"clients", QString::number(m_connections.size())}});
    auto refused = std::make_shared<RefusedClient>(m_eventLoop.asio(), fd);
    refused->start(protocol::error(protocol::ErrorCode::ServerFull, why) +
                   protocol::bye(QStringLiteral("server full")));
}

// --- connection events ----------------------------------------------------

void NetServer::lineReceived(Connection &c, const QString &line)
{
    const ChatLock lock(*this);
    // A client of another loop reads on until its BYE arrives through the
    // inbox: what it sends after the shutdown began is not taken.
    if (m_state == State::Running)
        m_room.handleLine(&c, line);
}

bool NetServer::lineRead(Connection &c, QByteArrayView line, Millis now)
{
    const ChatLock lock(*this);
    if (m_state != State::Running)
        return true; // not taken (lineReceived)
    return m_room.answerLineBytes(&c, line, now);
}

void NetServer::lineRejected(Connection &c, LineFramer::Status status, qsizetype rawSize)
{
    const ChatLock lock(*this);
    m_room.handleRejected(&c, status, rawSize);
}

void NetServer::lineTimedOut(Connection &c)
{
    const ChatLock lock(*this);
    m_room.sendError(&c, protocol::ErrorCode::BadLine,
                     QStringLiteral("no end of line within %1; closing")
                         .arg(formatMillis(m_config.lineTimeout)));
    const QString reason = QStringLiteral("line timeout");
    m_room.retire(&c, reason);
    c.close(reason, reason);
}

void NetServer::registrationTimedOut(Connection &c)
{
    const ChatLock lock(*this);
    m_room.sendError(&c, protocol::ErrorCode::NotRegistered,
                     QStringLiteral("no HELLO within %1; closing")
                         .arg(formatMillis(m_config.registrationTimeout)));
    const QString reason = QStringLiteral("registration timeout");
    c.close(reason, reason);
}

void NetServer::slowReader(Connection &c, qint64 unsent, const QString &why)
{
    const ChatLock lock(*this);
    ++m_metrics.slowReadersDropped;
    m_log.event("slow_reader", {{"id", QString::number(c.id())},
                                {"peer", c.peer()},
                                {"nick", c.nick()},
                                {"unsent_bytes", QString::number(unsent)},
                                {"limit", QString::number(m_config.maxOutputBytes)},
                                {"why", why}});
}

void NetServer::outputBudgetExceeded()
{
    const ChatLock lock(*this);
    // Not from inside the send that went over: the room may be mid-broadcast.
    if (m_sheddingPosted)
        return;
    m_sheddingPosted = true;
    onFirstLoop([this] { shedSlowestReaders(); });
}

void NetServer::shedSlowestReaders()
{
    if (!m_outputBudget.over()) {
        m_sheddingPosted = false;
        return;
    }
    // Rare (only over budget), so a scan of the connections is fine here.
    // Each loop lists its open readers with output queued at the end of
    // its turn, after its batcher gave the kernel what it takes: a prompt
    // reader's lines of this turn are then written, and only a reader that
    // is behind still holds much. (A list made while another loop's lines
    // were still on their way would take a prompt reader for a slow one.)
    using Behind = std::vector<std::pair<std::shared_ptr<Connection>, qint64>>;
    auto behind = std::make_shared<std::vector<Behind>>(m_loops.size());
    onEveryLoop(
        [this, behind](int index) {
            m_loops[static_cast<size_t>(index)]->loop.defer([this, behind, index] {
                const ChatLock lock(*this);
                Behind &mine = (*behind)[static_cast<size_t>(index)];
                for (const auto &connection : std::as_const(m_connections))
                    if (connection->loopIndex() == index && connection->isOpen() &&
                        connection->queuedBytes() > 0)
                        mine.emplace_back(connection, connection->queuedBytes());
            });
        },
        [this, behind] { shedFrom(*behind); });
}

void NetServer::shedFrom(
    const std::vector<std::vector<std::pair<std::shared_ptr<Connection>, qint64>>> &lists)
{
    std::vector<std::pair<std::shared_ptr<Connection>, qint64>> behind;
    for (const auto &list : lists)
        behind.insert(behind.end(), list.begin(), list.end());
    m_sheddingPosted = false; // a new excess is looked at afresh
    std::sort(behind.begin(), behind.end(),
              [](const auto &a, const auto &b) { return a.second > b.second; });
    const qint64 before = m_outputBudget.total();
    const qint64 target = m_outputBudget.limit() / 4 * 3;
    // Only open readers can be shed; what closing ones hold goes within
    // their close grace, and must not cost an innocent reader its place.
    qint64 left = 0;
    for (const auto &reader : behind)
        left += reader.second;
    int shed = 0;
    for (const auto &[c, queued] : behind) {
        if (left <= target)
            break;
        left -= queued;
        // On its loop: one that has caught up since it was listed stays.
        c->runHere([seen = queued](Connection &reader) {
            if (reader.queuedBytes() >= seen)
                reader.dropSlowReader(QStringLiteral("the server's output budget"));
        });
        ++shed;
    }
    m_log.event("output_budget", {{"queued_bytes", QString::number(before)},
                                  {"limit", QString::number(m_outputBudget.limit())},
                                  {"shed", QString::number(shed)},
                                  {"clients", QString::number(m_connections.size())}});
}

void NetServer::outputDrained(Connection &c)
{
    const ChatLock lock(*this);
    m_room.continueHistory(&c);
}

void NetServer::heartbeatSent(Connection &)
{
    const ChatLock lock(*this);
    ++m_metrics.heartbeatsSent;
}

void NetServer::heartbeatAnswered(Connection &, Millis rtt)
{
    const ChatLock lock(*this);
    ++m_metrics.heartbeatsAnswered;
    m_metrics.heartbeatRttSeconds.observe(static_cast<double>(rtt.count()) / 1000.0);
}

void NetServer::optionsApplied(Connection &c, const SocketOptionsReport &report)
{
    const ChatLock lock(*this);
    const LivenessSettings &want = m_config.liveness;
    const EffectiveSocketOptions &e = report.effective;
    QList<LogField> fields = {
        {"id", QString::number(c.id())},
        {"peer", c.peer()},
        {"requested_keepalive", want.keepalive.toString()},
        {"requested_user_timeout_ms", millisText(want.userTimeout)},
    };
    if (e.valid) {
        fields.append({"keepalive",
                       e.keepaliveOn
                           ? QStringLiteral("%1,%2,%3").arg(e.idleS).arg(e.intervalS).arg(e.count)
                           : QStringLiteral("off")});
        fields.append({"user_timeout_ms", QString::number(e.userTimeoutMs)});
    } else {
        fields.append({"keepalive", QStringLiteral("unknown")});
        fields.append({"user_timeout_ms", QStringLiteral("unknown")});
    }
    fields.append({"heartbeat", want.heartbeat.toString()});
    fields.append({"ok", report.ok() ? QStringLiteral("1") : QStringLiteral("0")});
    if (!report.ok())
        fields.append({"errors", report.errors.join(QStringLiteral("; "))});
    m_log.event("options", fields);
}

QString NetServer::leaveReason(const DeathVerdict &verdict)
{
    switch (verdict.cause) {
    case DeathCause::HeartbeatTimeout:
        return QStringLiteral("heartbeat timeout");
    case DeathCause::KeepaliveTimeout:
        return QStringLiteral("keepalive timeout");
    case DeathCause::UserTimeout:
        return QStringLiteral("user timeout");
    case DeathCause::RetransmitTimeout:
        return QStringLiteral("retransmission timeout");
    case DeathCause::ResetByPeer:
        return QStringLiteral("reset by peer");
    case DeathCause::ClosedByPeer:
        return QStringLiteral("closed by peer");
    case DeathCause::LocalError:
        return QStringLiteral("connection error");
    case DeathCause::LocalClose:
        return verdict.detail.isEmpty() ? QStringLiteral("closed by server") : verdict.detail;
    }
    return QStringLiteral("gone");
}

void NetServer::ended(Connection &c, const DeathVerdict &verdict)
{
    const ChatLock lock(*this);
    const auto it = m_connections.find(c.id());
    if (it == m_connections.end())
        return;
    // Alive until the end of the turn: this may run inside one of the
    // connection's own handlers (ConnectionEvents::ended).
    const std::shared_ptr<Connection> keep = it.value();
    c.eventLoop().defer([keep] {});
    m_connections.erase(it);
    --m_loops[static_cast<size_t>(c.loopIndex())]->clients;
    m_metrics.noteDeath(verdict);
    m_room.retire(&c, leaveReason(verdict));
    const QString reason = verdict.cause == DeathCause::LocalClose
                               ? QStringLiteral("closed by the server: ") + leaveReason(verdict)
                               : verdict.describe();
    forgetAddress(c.peerAddress());
    QList<LogField> fields = {
        {"id", QString::number(c.id())},
        {"peer", c.peer()},
        {"nick", c.nick()},
        {"cause", DeathVerdict::causeKey(verdict.cause)},
        {"detection_ms", millisText(verdict.detection)},
        {"budget_ms", verdict.budget ? millisText(*verdict.budget) : QStringLiteral("none")},
        {"reason", reason},
        {"duration_ms", millisText(c.age())},
        {"clients", QString::number(m_connections.size())},
    };
    if (!verdict.detail.isEmpty() && verdict.cause != DeathCause::LocalClose)
        fields.append({"detail", verdict.detail});
    m_log.event("disconnect", fields);
    if (m_state == State::ShuttingDown && m_connections.empty() && !m_handoverPending)
        onFirstLoop([this] { finishShutdown(); });
}

// --- restart without dropping connections ----------------------------------

asio::ip::tcp NetServer::protocolOf(int fd)
{
    sockaddr_storage local{};
    socklen_t length = sizeof(local);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &length);
    return local.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
}

void NetServer::forgetAddress(const QHostAddress &address)
{
    const auto count = m_perAddress.find(address);
    if (count != m_perAddress.end() && --count.value() <= 0)
        m_perAddress.erase(count);
}

int NetServer::adopt(const HandoverState &state, const std::vector<int> &fds)
{
    const ChatLock lock(*this);
    QHash<QByteArray, int> byKey;
    for (const int fd : fds) {
        const QByteArray key = socketKey(fd);
        if (key.isEmpty() || byKey.contains(key))
            ::close(fd); // no longer connected: nothing to continue
        else
            byKey.insert(key, fd);
    }
    m_nextId = std::max(m_nextId, state.nextId);
    int resumed = 0, registered = 0, lost = 0;
    for (const HandedConnection &h : state.connections) {
        const int fd = byKey.value(h.socketKey, -1);
        byKey.remove(h.socketKey);
        std::shared_ptr<Connection> c;
        ServingLoop &serving = leastLoaded();
        if (fd >= 0 && !m_connections.contains(h.id))
            c = std::make_shared<Connection>(h.id, fd, nullptr, serving.parts, m_limits);
        if (!c) {
            // It reset or closed during the restart: the others hear it left.
            if (fd >= 0)
                ::close(fd);
            if (h.registered)
                m_room.departed(h.nick, h.presenceAnnounced,
                                QStringLiteral("connection lost during a server restart"));
            ++lost;
            continue;
        }
        m_connections.insert(c->id(), c);
        ++serving.clients;
        ++m_perAddress[c->peerAddress()];
        c->restoreChat(h);
        m_room.adopt(c.get());
        c->runHere([h](Connection &resumed) { resumed.resume(h); });
        ++resumed;
        if (h.registered)
            ++registered;
    }
    const int strays = byKey.size();
    for (const int fd : std::as_const(byKey))
        ::close(fd);
    m_log.event("resumed", {{"clients", QString::number(resumed)},
                            {"registered", QString::number(registered)},
                            {"handed_over", QString::number(state.connections.size())},
                            {"lost", QString::number(lost)},
                            {"without_state", QString::number(strays)},
                            {"from", state.listen}});
    return resumed;
}

void NetServer::handOver(const SystemdNotifier &systemd, int capacity, HandoverFailure onFailure,
                         std::function<void()> stopped, std::function<void()> keptServing)
{
    if (m_state != State::Running || m_stopRequested)
        return;
    m_stopRequested = true;
    // The messages being stored are answered first: their ACKs and MSGs
    // then travel in the output handed over. Meanwhile nothing more is
    // read: what the clients send goes with their sockets, to the next
    // process, instead of into a store this one would have to answer for.
    // Every loop has seen the hold once each has turned: what one read
    // before it is asked of the store by then.
    holdInput(true);
    onEveryLoop([](int) {},
                [this, systemd, capacity, onFailure, stopped = std::move(stopped),
                 keptServing = std::move(keptServing)]() mutable {
                    m_room.whenStored([this, systemd, capacity, onFailure,
                                       stopped = std::move(stopped),
                                       keptServing = std::move(keptServing)]() mutable {
                        handOverNow(systemd, capacity, onFailure, std::move(stopped),
                                    std::move(keptServing));
                    });
                });
}

void NetServer::handOverNow(const SystemdNotifier &systemd, int capacity, HandoverFailure onFailure,
                            std::function<void()> stopped, std::function<void()> keptServing)
{
    if (m_state != State::Running) {
        holdInput(false);
        return;
    }
    m_stopped = std::move(stopped);
    m_keptServing = std::move(keptServing);
    m_state = State::ShuttingDown;
    m_handoverPending = true;
    m_acceptPause.cancel();
    m_roomTick.cancel();
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(m_connections.size());
    for (const auto &connection : std::as_const(m_connections))
        all.push_back(connection);
    // The listener and the state take two places in the store.
    int room = capacity - 2;
    std::vector<std::shared_ptr<Connection>> staying;
    const QString bye = QStringLiteral("server restarting");
    // Those that cannot continue go first, while everyone is still in the
    // room: their LEAVE reaches the clients handed over (in their output),
    // and they are Closing, so nothing they send is taken any more.
    for (const auto &c : all) {
        if (c->canHandOver() && room > 0) {
            staying.push_back(c);
            --room;
        } else if (c->isOpen()) {
            m_room.retire(c.get(), bye);
            c->close(bye, bye);
        }
    }
    // Each loop hands over its own clients, on its own thread, after the
    // BYEs and LEAVEs sent above (its inbox holds them first).
    std::vector<std::vector<std::shared_ptr<Connection>>> byLoop(m_loops.size());
    for (const auto &c : staying) {
        m_room.release(c.get());
        byLoop[static_cast<size_t>(c->loopIndex())].push_back(c);
    }
    auto handed = std::make_shared<std::vector<std::vector<Handed>>>(m_loops.size());
    onEveryLoop(
        [byLoop = std::move(byLoop), handed](int index) {
            // Judged again here: one may have started closing meanwhile (a
            // slow reader dropped), and then ends here as usual.
            for (const auto &c : byLoop[static_cast<size_t>(index)])
                if (c->canHandOver())
                    (*handed)[static_cast<size_t>(index)].push_back({c, c->handOver()});
        },
        [this, systemd, onFailure, handed] { handOverHanded(systemd, onFailure, *handed); });
}

void NetServer::handOverHanded(const SystemdNotifier &systemd, HandoverFailure onFailure,
                               const std::vector<std::vector<Handed>> &handed)
{
    HandoverState state;
    state.listen = m_config.listenText();
    state.nextId = m_nextId;
    std::vector<int> clientFds;
    for (const auto &fromLoop : handed) {
        for (const auto &[c, h] : fromLoop) {
            // Handed over, so it ends here without an ended() event.
            if (m_connections.remove(c->id()) > 0) {
                --m_loops[static_cast<size_t>(c->loopIndex())]->clients;
                forgetAddress(c->peerAddress());
            }
            if (h.fd < 0)
                continue;
            clientFds.push_back(h.fd);
            state.connections.push_back(h);
        }
    }
    std::error_code ec;
    stopAccepting();
    const int listener = m_acceptor.release(ec);
    QString error;
    const QByteArray bytes = serializeHandover(state);
    const int stateFd = memfdWith(bytes, &error);
    bool stored = stateFd >= 0;
    auto store = [&](const char *name, const int *fds, int count) {
        if (!stored || count <= 0)
            return;
        // FDPOLL=0: the listener and the state never hang up, and a client
        // that does is the next process's to notice.
        const QByteArray what = QByteArray("FDSTORE=1\nFDPOLL=0\nFDNAME=") + name;
        for (int i = 0; i < count && stored; i += SystemdNotifier::MaxFdsPerMessage)
            stored = systemd.notifyWithFds(
                what, fds + i, std::min(SystemdNotifier::MaxFdsPerMessage, count - i), &error);
    };
    if (listener >= 0)
        store(HandoverNames::Listener, &listener, 1);
    store(HandoverNames::State, &stateFd, 1);
    store(HandoverNames::Client, clientFds.data(), static_cast<int>(clientFds.size()));
    const int barrier = stored ? systemd.sendBarrier(&error) : -1;
    // Our copies go once the receiver confirmed it holds its own; until then
    // the loop goes on, so an admin answer still gets out. Without the
    // confirmation this process continues the clients itself.
    auto finish = std::make_shared<std::function<void(bool)>>();
    *finish = [this, clientFds, stateFd, listener, state, bytesSize = bytes.size(), error,
               onFailure](bool confirmed) {
        if (stateFd >= 0)
            ::close(stateFd);
        QList<LogField> fields = {{"clients", QString::number(clientFds.size())},
                                  {"state_bytes", QString::number(bytesSize)}};
        if (confirmed) {
            for (const int fd : clientFds)
                ::close(fd);
            if (listener >= 0)
                ::close(listener);
            m_log.event("handover", fields);
            m_handoverPending = false;
            awaitClosing();
            return;
        }
        fields.append(
            {"error", error.isEmpty()
                          ? QStringLiteral("no confirmation in %1 ms").arg(HandoverBarrierMs)
                          : error});
        fields.append({"then", onFailure == HandoverFailure::KeepServing
                                   ? QStringLiteral("keep_serving")
                                   : QStringLiteral("shut_down")});
        m_log.event("handover_failed", fields);
        // The clients are still ours: continue them here, as the next
        // process would have.
        m_handoverPending = false;
        m_state = State::Running;
        // The adopted sockets join the set again, and report what they
        // hold when they do.
        holdInput(false);
        if (listener >= 0) {
            std::error_code ignored;
            m_acceptor.assign(protocolOf(listener), listener, ignored);
        }
        adopt(state, clientFds);
        if (onFailure == HandoverFailure::KeepServing) {
            m_stopRequested = false;
            accept();
            tickRoom();
            if (m_keptServing)
                m_keptServing();
        } else {
            shutdownNow(QStringLiteral("hand-over failed"), m_stopped);
        }
    };
    if (barrier < 0) {
        (*finish)(false);
        return;
    }
    // Asio's (the loop looks at its work every EventLoop::AsioPollPeriod).
    auto pipe = std::make_shared<asio::posix::stream_descriptor>(m_eventLoop.asio(), barrier);
    auto timer =
        std::make_shared<asio::steady_timer>(m_eventLoop.asio(), Millis{HandoverBarrierMs});
    auto done = std::make_shared<bool>(false);
    // systemd confirms by closing the pipe. A process taking over writes a
    // byte first: a pipe closed without it means it died with the messages
    // unread (the kernel closes what was queued for it).
    const bool needsByte = onFailure == HandoverFailure::KeepServing;
    pipe->async_wait(asio::posix::stream_descriptor::wait_read,
                     [pipe, timer, done, finish, needsByte](const std::error_code &e) {
                         if (*done)
                             return;
                         *done = true;
                         timer->cancel();
                         char byte = 0;
                         const ssize_t n = e ? -1 : ::read(pipe->native_handle(), &byte, 1);
                         (*finish)(n == 1 || (n == 0 && !needsByte));
                     });
    timer->async_wait([pipe, done, finish](const std::error_code &e) {
        if (e || *done)
            return;
        *done = true;
        std::error_code ignored;
        pipe->cancel(ignored);
        (*finish)(false);
    });
}

// --- shutdown -------------------------------------------------------------

void NetServer::shutdown(const QString &why, std::function<void()> stopped)
{
    if (m_state == State::ShuttingDown || m_state == State::Stopped || m_stopRequested)
        return;
    m_stopRequested = true;
    // Every message accepted is stored and answered (ACK, MSG) before the
    // clients are told BYE.
    m_room.whenStored([this, why, stopped = std::move(stopped)]() mutable {
        shutdownNow(why, std::move(stopped));
    });
}

void NetServer::shutdownNow(const QString &why, std::function<void()> stopped)
{
    if (m_state == State::ShuttingDown || m_state == State::Stopped)
        return;
    m_stopped = std::move(stopped);
    m_state = State::ShuttingDown;
    m_log.event("shutdown", {{"reason", why}, {"clients", QString::number(m_connections.size())}});
    std::error_code ec;
    stopAccepting();
    m_acceptor.close(ec);
    m_acceptPause.cancel();
    m_roomTick.cancel();
    const QString bye = QStringLiteral("server shutting down");
    // Every connection turns Closing first, so no LEAVE goes to someone who
    // was already told BYE.
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(m_connections.size());
    for (const auto &connection : std::as_const(m_connections))
        all.push_back(connection);
    for (const auto &c : all)
        c->close(bye, bye);
    awaitClosing();
}

void NetServer::awaitClosing()
{
    if (m_connections.empty()) {
        onFirstLoop([this] { finishShutdown(); });
        return;
    }
    m_shutdownTimer.start(ShutdownGrace, [this] {
        // Whoever did not take the BYE in time is cut off.
        std::vector<std::shared_ptr<Connection>> left;
        for (const auto &connection : std::as_const(m_connections))
            left.push_back(connection);
        for (const auto &c : left)
            c->runHere(
                [](Connection &late) { late.abort(QStringLiteral("server shutting down")); });
        // Once every loop ended its own (and logged them).
        onEveryLoop([](int) {}, [this] { finishShutdown(); });
    });
}

void NetServer::tickRoom()
{
    m_room.tick(monotonicNow());
    m_roomTick.start(std::chrono::seconds(1), [this] {
        if (m_state == State::Running)
            tickRoom();
    });
}

void NetServer::finishShutdown()
{
    if (m_state == State::Stopped)
        return;
    m_state = State::Stopped;
    m_shutdownTimer.cancel();
    if (m_stopped)
        m_stopped();
}

// --- reload ----------------------------------------------------------------

bool NetServer::reload(ServerConfig &running, const ServerConfig &next, QString *error)
{
    QStringList restartOnly;
    if (next.address != running.address || next.port != running.port)
        restartOnly << QStringLiteral("listen");
    if (next.dbPath != running.dbPath && !next.dbPath.isEmpty())
        restartOnly << QStringLiteral("db");
    if (next.logPath != running.logPath)
        restartOnly << QStringLiteral("log");
    if (next.metricsEnabled != running.metricsEnabled ||
        (next.metricsEnabled && (next.metricsAddress != running.metricsAddress ||
                                 next.metricsPort != running.metricsPort)))
        restartOnly << QStringLiteral("metrics");
    if (next.adminSocket != running.adminSocket)
        restartOnly << QStringLiteral("admin-socket");
    if (next.tlsCertPath.isEmpty() != running.tlsCertPath.isEmpty())
        restartOnly << QStringLiteral("tls-cert");
    if (next.loops != running.loops)
        restartOnly << QStringLiteral("loops");
    if (!restartOnly.isEmpty()) {
        *error = QStringLiteral("only a restart can change %1")
                     .arg(restartOnly.join(QLatin1String(", ")));
        return false;
    }
    TlsContext tls;
    if (!next.tlsCertPath.isEmpty()) {
        // Read again even if the paths are the same: a renewed certificate
        // is usually written over the old files.
        tls = TlsContext::load(next.tlsCertPath, next.tlsKeyPath, error);
        if (!tls.context)
            return false;
    }
    const bool livenessChanged = !(next.liveness == running.liveness);
    const QString oldFingerprint = m_tls.fingerprint;
    // Keep what the restart-only keys hold now (a relative default db path
    // was resolved at start), take everything else.
    const QString dbPath = running.dbPath;
    running = next;
    running.dbPath = dbPath;

    if (tls.context)
        m_tls = std::move(tls); // connections made with the old one keep it
    m_limits.maxLine = running.maxLine;
    m_limits.lineTimeout = running.lineTimeout;
    m_limits.registrationTimeout = running.registrationTimeout;
    m_limits.handshakeTimeout = running.handshakeTimeout;
    m_limits.maxOutputBytes = running.maxOutputBytes;
    m_limits.minClientPing = running.minClientPing;
    m_limits.ratePer10s = running.ratePer10s;
    m_outputBudget.setLimit(running.maxOutputTotal);
    // Each loop takes its copies, and applies a new policy to its own
    // clients, on its own thread.
    onEveryLoop(
        [this, settings = running.liveness, limits = m_limits, livenessChanged](int index) {
            ConnectionLoop &parts = m_loops[static_cast<size_t>(index)]->parts;
            parts.settings = settings;
            parts.limits = limits;
            if (!livenessChanged)
                return;
            for (const auto &connection : std::as_const(m_connections))
                if (connection->loopIndex() == index)
                    connection->applyLiveness();
        },
        {});

    QList<LogField> fields = {
        {"clients", QString::number(m_connections.size())},
        {"keepalive", running.liveness.keepalive.toString()},
        {"user_timeout_ms", QString::number(running.liveness.userTimeout.count())},
        {"heartbeat", running.liveness.heartbeat.toString()},
        {"liveness_changed", livenessChanged ? QStringLiteral("1") : QStringLiteral("0")},
        {"password", running.password.isEmpty() ? QStringLiteral("off") : QStringLiteral("on")}};
    if (m_tls.context) {
        fields.append({"cert_sha256", m_tls.fingerprint});
        fields.append({"cert_changed", m_tls.fingerprint != oldFingerprint ? QStringLiteral("1")
                                                                           : QStringLiteral("0")});
    }
    m_log.event("reload", fields);
    return true;
}

// --- operator's view ------------------------------------------------------

QByteArray NetServer::metricsText() const
{
    ConnectionGauges g;
    for (const QString &state :
         {QStringLiteral("connected"), QStringLiteral("registered"), QStringLiteral("closing")})
        g.byState.insert(state, 0);
    g.byTransport.insert(QStringLiteral("tcp"), 0);
    g.byTransport.insert(QStringLiteral("tls"), 0);
    for (const auto &connection : std::as_const(m_connections)) {
        const Connection &c = *connection;
        switch (c.state()) {
        case Participant::State::Connected:
            ++g.byState[QStringLiteral("connected")];
            break;
        case Participant::State::Registered:
            ++g.byState[QStringLiteral("registered")];
            break;
        case Participant::State::Closing:
        case Participant::State::Closed:
            ++g.byState[QStringLiteral("closing")];
            break;
        }
        ++g.byTransport[m_tls.context ? QStringLiteral("tls") : QStringLiteral("tcp")];
    }
    g.queuedOutputBytes = m_outputBudget.total();
    g.queuedOutputLimit = m_outputBudget.limit();
    return renderMetrics(m_metrics, g);
}

namespace {

QString stateKey(Participant::State state)
{
    switch (state) {
    case Participant::State::Connected:
        return QStringLiteral("connected");
    case Participant::State::Registered:
        return QStringLiteral("registered");
    case Participant::State::Closing:
        return QStringLiteral("closing");
    case Participant::State::Closed:
        return QStringLiteral("closed");
    }
    return {};
}

QString ageText(Millis age)
{
    const qint64 s = age.count() / 1000;
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1h%2m").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

QByteArray NetServer::statusText(bool json, std::vector<StatusRow> all) const
{
    std::sort(all.begin(), all.end(), [](const auto &a, const auto &b) { return a.id < b.id; });
    const QString mechanism =
        m_config.liveness.keepalive.enabled
            ? QStringLiteral("keepalive %1%2")
                  .arg(m_config.liveness.keepalive.toString(),
                       m_config.liveness.heartbeat.enabled
                           ? QStringLiteral(" + heartbeat %1")
                                 .arg(m_config.liveness.heartbeat.toString())
                           : QString())
        : m_config.liveness.heartbeat.enabled
            ? QStringLiteral("heartbeat %1").arg(m_config.liveness.heartbeat.toString())
            : QStringLiteral("none");
    if (json) {
        QJsonArray rows;
        for (const StatusRow &c : all) {
            const KernelSocketView &view = c.view;
            QJsonObject row{
                {QStringLiteral("id"), static_cast<double>(c.id)},
                {QStringLiteral("nick"), c.nick},
                {QStringLiteral("peer"), c.peer},
                {QStringLiteral("state"), stateKey(c.state)},
                {QStringLiteral("tls"), c.tls},
                {QStringLiteral("age_ms"), static_cast<double>(c.age.count())},
                {QStringLiteral("last_received_ms"), static_cast<double>(c.silence.count())},
                {QStringLiteral("queued_bytes"), static_cast<double>(c.queuedBytes)}};
            const auto &rtt = c.rtt;
            row.insert(QStringLiteral("rtt_ms"),
                       rtt ? QJsonValue(static_cast<double>(rtt->count())) : QJsonValue());
            if (view.valid) {
                row.insert(QStringLiteral("kernel_rtt_us"), static_cast<double>(view.rttUs));
                row.insert(QStringLiteral("unacked_segments"), static_cast<double>(view.unacked));
                row.insert(QStringLiteral("timer"), KernelSocketView::timerName(view.timer));
                row.insert(QStringLiteral("timer_ms"), static_cast<double>(view.timerExpiresMs));
                row.insert(QStringLiteral("probes"), static_cast<double>(view.probes));
            }
            rows.append(row);
        }
        const QJsonObject doc{
            {QStringLiteral("clients"), static_cast<double>(all.size())},
            {QStringLiteral("mechanism"), mechanism},
            {QStringLiteral("queued_output_bytes"), static_cast<double>(m_outputBudget.total())},
            {QStringLiteral("connections"), rows}};
        return QJsonDocument(doc).toJson(QJsonDocument::Compact) + '\n';
    }
    QString out = QStringLiteral("%1 clients on %2, liveness: %3, queued output %4 bytes\n")
                      .arg(all.size())
                      .arg(ServerConfig::endpointText(m_config.address, m_port), mechanism)
                      .arg(m_outputBudget.total());
    const QString format = QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n");
    auto row = [&format](const QStringList &f) {
        return format.arg(f[0], -6)
            .arg(f[1], -16)
            .arg(f[2], -22)
            .arg(f[3], -8)
            .arg(f[4], -11)
            .arg(f[5], -9)
            .arg(f[6], -8)
            .arg(f[7], -20)
            .arg(f[8]);
    };
    out += row({QStringLiteral("ID"), QStringLiteral("NICK"), QStringLiteral("PEER"),
                QStringLiteral("AGE"), QStringLiteral("STATE"), QStringLiteral("LAST-RX"),
                QStringLiteral("RTT"), QStringLiteral("TIMER"), QStringLiteral("UNACKED")});
    for (const StatusRow &c : all) {
        const KernelSocketView &view = c.view;
        const auto &rtt = c.rtt;
        QString timer = QStringLiteral("-");
        if (view.valid && view.timer != KernelSocketView::Timer::None)
            timer = QStringLiteral("%1,%2,%3")
                        .arg(KernelSocketView::timerName(view.timer))
                        .arg(formatMillis(Millis{view.timerExpiresMs}).remove(QLatin1Char(' ')))
                        .arg(view.probes);
        out +=
            row({QString::number(c.id), c.nick.isEmpty() ? QStringLiteral("-") : c.nick, c.peer,
                 ageText(c.age), stateKey(c.state) + (c.tls ? QStringLiteral("+tls") : QString()),
                 formatMillis(c.silence).remove(QLatin1Char(' ')),
                 rtt ? formatMillis(*rtt).remove(QLatin1Char(' ')) : QStringLiteral("-"), timer,
                 view.valid ? QString::number(view.unacked) : QStringLiteral("?")});
    }
    return out.toUtf8();
}

std::vector<std::shared_ptr<Connection>> NetServer::matching(const QString &target) const
{
    std::vector<std::shared_ptr<Connection>> found;
    const QHostAddress address = typedAddress(target);
    const QString nickKey = target.toCaseFolded();
    for (const auto &connection : std::as_const(m_connections)) {
        const Connection &c = *connection;
        if (!c.isOpen())
            continue;
        if ((!address.isNull() && c.peerAddress().isEqual(address)) ||
            (!c.nickKey().isEmpty() && c.nickKey() == nickKey))
            found.push_back(connection);
    }
    return found;
}

bool NetServer::isBanned(const QHostAddress &address)
{
    const auto it = m_bans.find(address);
    if (it == m_bans.end())
        return false;
    if (it.value().count() != 0 && monotonicNow() >= it.value()) {
        m_bans.erase(it);
        return false;
    }
    return true;
}

void NetServer::adminCommand(const QString &command, std::function<void(QByteArray)> answer)
{
    const QStringList words = command.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.value(0) != QLatin1String("status")) {
        answer(adminAction(words));
        return;
    }
    // Each loop reads its own clients, the kernel's view of each included
    // (now, for this answer only).
    const bool json = words.contains(QStringLiteral("--json"));
    auto rows = std::make_shared<std::vector<std::vector<StatusRow>>>(m_loops.size());
    onEveryLoop(
        [this, rows](int index) {
            std::vector<StatusRow> &mine = (*rows)[static_cast<size_t>(index)];
            for (const auto &connection : std::as_const(m_connections)) {
                const Connection &c = *connection;
                if (c.loopIndex() != index)
                    continue;
                mine.push_back({c.id(), c.nick(), c.peer(), c.state(), c.isEncrypted(), c.age(),
                                c.silence(), c.lastRtt(), c.queuedBytes(),
                                sampleKernelView(c.nativeHandle(), true)});
            }
        },
        [this, rows, json, answer = std::move(answer)] {
            std::vector<StatusRow> all;
            for (auto &fromLoop : *rows)
                std::move(fromLoop.begin(), fromLoop.end(), std::back_inserter(all));
            answer(statusText(json, std::move(all)));
        });
}

QByteArray NetServer::adminAction(const QStringList &words)
{
    const QString verb = words.value(0);
    auto error = [](const QString &text) { return ("error: " + text + '\n').toUtf8(); };
    if (verb == QLatin1String("kick")) {
        if (words.size() != 2)
            return error(QStringLiteral("usage: kick NICK|ADDRESS"));
        const auto found = matching(words[1]);
        for (const auto &c : found) {
            m_room.retire(c.get(), QStringLiteral("kicked by the operator"));
            c->close(QStringLiteral("kicked by the operator"), QStringLiteral("kicked"));
        }
        m_log.event("admin_kick",
                    {{"target", words[1]}, {"closed", QString::number(found.size())}});
        if (found.empty())
            return error(QStringLiteral("no connection with nick or address %1").arg(words[1]));
        return QStringLiteral("kicked %1 connection(s)\n").arg(found.size()).toUtf8();
    }
    if (verb == QLatin1String("ban")) {
        const QHostAddress address = typedAddress(words.value(1));
        bool ok = true;
        const qint64 seconds = words.size() > 2 ? words[2].toLongLong(&ok) : 0;
        if (words.size() < 2 || words.size() > 3 || address.isNull() || !ok || seconds < 0)
            return error(QStringLiteral("usage: ban ADDRESS [SECONDS] (an IP address; 0 or none: "
                                        "until the server stops or unban)"));
        m_bans.insert(address,
                      seconds > 0 ? monotonicNow() + std::chrono::seconds(seconds) : Millis{0});
        const auto found = matching(address.toString());
        for (const auto &c : found) {
            m_room.retire(c.get(), QStringLiteral("banned by the operator"));
            c->close(QStringLiteral("banned by the operator"), QStringLiteral("banned"));
        }
        m_log.event("admin_ban", {{"address", address.toString()},
                                  {"seconds", QString::number(seconds)},
                                  {"closed", QString::number(found.size())}});
        return QStringLiteral("banned %1%2; closed %3 connection(s)\n")
            .arg(address.toString(),
                 seconds > 0 ? QStringLiteral(" for %1 s").arg(seconds) : QString())
            .arg(found.size())
            .toUtf8();
    }
    if (verb == QLatin1String("unban")) {
        const QHostAddress address = typedAddress(words.value(1));
        if (words.size() != 2 || address.isNull())
            return error(QStringLiteral("usage: unban ADDRESS"));
        const bool was = m_bans.remove(address) > 0;
        m_log.event("admin_unban", {{"address", address.toString()}});
        return was ? QStringLiteral("unbanned %1\n").arg(address.toString()).toUtf8()
                   : error(QStringLiteral("%1 was not banned").arg(address.toString()));
    }
    return error(QStringLiteral("unknown command '%1'; try status, kick, ban or unban").arg(verb));
}

} // namespace longline::server::net
