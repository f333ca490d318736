#include "connection.h"

#include "clientaddress.h"
#include "plainsyscalls.h"
#include "protocol.h"
#include "socketoptions.h"

#include <asio/ssl/error.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace longline::server::net {

namespace {

constexpr size_t ScratchBytes = 64 * 1024;
constexpr size_t TlsReadBytes = 16 * 1024;

// One read buffer per event-loop thread, shared by all its connections.
char *scratchBuffer()
{
    thread_local std::unique_ptr<char[]> buffer(new char[ScratchBytes]);
    return buffer.get();
}

QAbstractSocket::SocketError socketErrorFor(const std::error_code &ec)
{
    if (ec.category() == asio::error::get_system_category()) {
        switch (ec.value()) {
        case ETIMEDOUT:
            return QAbstractSocket::SocketTimeoutError;
        case ECONNRESET:
            return QAbstractSocket::RemoteHostClosedError;
        default:
            return QAbstractSocket::NetworkError;
        }
    }
    return QAbstractSocket::UnknownSocketError;
}

std::error_code lastError()
{
    return {errno, asio::error::get_system_category()};
}

} // namespace

// Asio's socket and TLS stream over the connection's descriptor, with the
// buffer the stream decrypts into: allocated for TLS connections only.
struct Connection::Tls
{
    Tls(asio::io_context &io, int fd, std::shared_ptr<asio::ssl::context> shared)
        : context(std::move(shared)), socket(io), stream(socket, *context)
    {
        sockaddr_storage local{};
        socklen_t length = sizeof(local);
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &length);
        std::error_code ec;
        socket.assign(local.ss_family == AF_INET6 ? Tcp::v6() : Tcp::v4(), fd, ec);
        if (ec)
            ::close(fd); // the socket owns no descriptor: its operations fail at once
    }
    std::shared_ptr<asio::ssl::context> context; // outlives the stream: declared first
    Tcp::socket socket;
    TlsStream stream;
    std::unique_ptr<char[]> readBuffer{new char[TlsReadBytes]};
    // Asio writes the ciphertext, whose length we never see, so a TLS
    // connection dates its data in flight the older way: an ioctl per write.
    UnackedSince unacked;
};

void OutputBatcher::add(std::shared_ptr<Connection> connection)
{
    m_dirty.push_back(std::move(connection));
    post();
}

void OutputBatcher::post()
{
    if (m_posted)
        return;
    m_posted = true;
    m_loop.defer([this] { flushSome(); });
}

void OutputBatcher::flushSome()
{
    m_posted = false;
    // By index: a flush may add connections (its events make the room
    // send), which may move the vector.
    for (size_t done = 0; m_next < m_dirty.size() && done < MaxFlushesPerPass; ++done) {
        const std::shared_ptr<Connection> c = std::move(m_dirty[m_next++]);
        c->m_flushQueued = false;
        if (c->state() != Participant::State::Closed && !c->m_writeArmed)
            c->flush();
    }
    if (m_next < m_dirty.size()) {
        if (m_next * 2 > m_dirty.size()) { // a steady stream never empties it
            m_dirty.erase(m_dirty.begin(), m_dirty.begin() + static_cast<std::ptrdiff_t>(m_next));
            m_next = 0;
        }
        post(); // the rest after the events waiting meanwhile
        return;
    }
    m_dirty.clear();
    m_next = 0;
}

Connection::Connection(quint64 id, int fd, std::shared_ptr<asio::ssl::context> tls,
                       ConnectionLoop &loop, const Limits &limits, const sockaddr_storage *peer)
    : Participant(id, limits.minClientPing, limits.ratePer10s), m_loop(loop), m_fd(fd),
      m_framer(limits.maxLine)
{
    // The address accept() gave, when there is one: a client that reset
    // while it waited in the accept queue has no peer name any more, and
    // the address it is counted under must be the one it is forgotten by.
    sockaddr_storage remote{};
    socklen_t length = sizeof(remote);
    if (peer)
        remote = *peer;
    if (peer || ::getpeername(fd, reinterpret_cast<sockaddr *>(&remote), &length) == 0) {
        const QHostAddress address = clientAddress(remote, &m_peerPort);
        m_peerIsV4 = address.protocol() == QAbstractSocket::IPv4Protocol;
        if (m_peerIsV4) {
            const quint32 v4 = address.toIPv4Address();
            std::memcpy(m_peerIp.data(), &v4, sizeof v4);
        } else {
            const Q_IPV6ADDR v6 = address.toIPv6Address();
            std::memcpy(m_peerIp.data(), v6.c, m_peerIp.size());
        }
    }
    // Accepted sockets are non-blocking already; handed-over ones may not be.
    if (const int flags = ::fcntl(fd, F_GETFL); flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (tls) {
        m_tls = std::make_unique<Tls>(loop.loop.asio(), fd, std::move(tls));
        if (!m_tls->socket.is_open())
            m_fd = -1; // closed: the handshake fails at once and ends it
        m_handshaking = true;
    }
}

Connection::~Connection()
{
    // Not m_loop.wheel.cancel(): a connection held by a handler may outlive
    // its server (and ConnectionLoop) at exit; Entry's destructor cancels
    // an armed entry, and a wheel that went first disarmed them all.
    if (outBytes() != 0) // a connection finish()ed has none left
        discardOutput();
    if (m_fd >= 0) {
        m_loop.loop.remove(m_fd, this);
        if (!m_tls) // a TLS socket is closed by its Asio socket
            ::close(m_fd);
    }
    if (m_holdsAsio)
        m_loop.loop.releaseAsio();
}

QString Connection::peer() const
{
    return formatEndpoint(peerAddress(), m_peerPort);
}

QHostAddress Connection::peerAddress() const
{
    if (m_peerIsV4) {
        quint32 v4 = 0;
        std::memcpy(&v4, m_peerIp.data(), sizeof v4);
        return QHostAddress(v4);
    }
    return QHostAddress(m_peerIp.data());
}

Connection::Notes &Connection::notes()
{
    if (!m_notes)
        m_notes = std::make_unique<Notes>();
    return *m_notes;
}

void Connection::start()
{
    m_startedAt = monotonicNow();
    m_registerBy = m_startedAt + m_loop.limits.registrationTimeout;
    m_loop.events.optionsApplied(
        *this, applySocketOptions(m_fd, m_loop.settings.keepalive, m_loop.settings.userTimeout));
    m_heartbeat.setOptions(m_loop.settings.heartbeat);
    m_heartbeat.start();
    if (m_tls) {
        // Asio does the TLS reads and writes; the set only wakes the loop,
        // which then lets Asio look (EventLoop::holdAsio).
        m_loop.loop.holdAsio();
        m_holdsAsio = true;
        const std::error_code ec = m_fd >= 0 ? m_loop.loop.add(m_fd, this) : std::error_code();
        if (ec)
            abort(QStringLiteral("epoll: ") + QString::fromStdString(ec.message()));
        else
            startTls();
    } else if (const std::error_code ec = m_loop.loop.add(m_fd, this)) {
        abort(QStringLiteral("epoll: ") + QString::fromStdString(ec.message()));
    }
    rearm();
}

void Connection::restoreChat(const HandedConnection &h)
{
    if (h.registered)
        setRegistered(h.nick, h.sessionKey);
    setPasswordAccepted(h.passwordAccepted);
    setPresenceAnnounced(h.presenceAnnounced);
    if (h.probe)
        markProbe();
    if (h.historyActive)
        setHistoryCursor(HistoryCursor{h.historySince, h.historyRemaining, h.historyUpTo, false});
}

void Connection::resume(const HandedConnection &h)
{
    m_startedAt = h.startedAt;
    m_registerBy = h.registerBy;
    setProbeDue(h.probeDue);
    m_probeAnswered = h.probeAnswered;
    if (!h.probeToken.isEmpty())
        notes().probeToken = h.probeToken;
    if (probeDue().count() == 0)
        // The kernel kept the options; a new configuration may differ.
        m_loop.events.optionsApplied(*this, applySocketOptions(m_fd, m_loop.settings.keepalive,
                                                               m_loop.settings.userTimeout));
    // The stream carried bytes before this process: its writes count on
    // from the kernel's total, acknowledged or still queued.
    // (Two reads: an ACK between them would count its bytes twice or not
    // at all, so the count is taken again until it holds still.)
    for (int attempt = 0; attempt < 3; ++attempt) {
        const std::optional<quint64> before = kernelBytesAcked(m_fd);
        const int queued = kernelSendQueueBytes(m_fd);
        if (!before || queued < 0 || kernelBytesAcked(m_fd) != before)
            continue;
        m_sentLog.startAt(*before + static_cast<quint64>(queued));
        break;
    }
    m_framer.restore(h.unfinished);
    m_lineDeadline = h.lineDeadline;
    m_heartbeat.setOptions(m_loop.settings.heartbeat);
    m_heartbeat.resume(h.heartbeat);
    m_lastRttMs = h.lastRttMs;
    if (!h.unsentOutput.isEmpty()) {
        // In pieces, as the queue held it: an offset into one piece is 32
        // bits, and --max-output may exceed that.
        constexpr qsizetype Piece = qsizetype(1) << 20;
        for (qsizetype at = 0; at < h.unsentOutput.size(); at += Piece)
            m_out.append(h.unsentOutput.mid(at, Piece));
        addOutBytes(h.unsentOutput.size());
        m_loop.budget.change(h.unsentOutput.size());
    }
    // A flush writes what is left; with nothing left it continues a
    // HISTORY answer, which the old process's drain would have done.
    if (!h.unsentOutput.isEmpty() || h.historyActive) {
        m_flushQueued = true;
        m_loop.batcher.add(shared_from_this());
    }
    if (const std::error_code ec = m_loop.loop.add(m_fd, this))
        abort(QStringLiteral("epoll: ") + QString::fromStdString(ec.message()));
    rearm();
}

HandedConnection Connection::handOver()
{
    HandedConnection h;
    // What the kernel takes now need not travel; an error is the next
    // process's to find.
    if (!m_writeArmed)
        (void)writeQueued();
    h.socketKey = socketKey(m_fd);
    h.id = id();
    h.registered = state() == State::Registered;
    h.nick = nick();
    h.nickKey = nickKey();
    h.sessionKey = sessionKey();
    h.passwordAccepted = passwordAccepted();
    h.presenceAnnounced = presenceAnnounced();
    h.probe = isProbe();
    h.startedAt = m_startedAt;
    h.registerBy = m_registerBy;
    h.lineDeadline = m_lineDeadline;
    h.probeDue = probeDue();
    h.probeAnswered = m_probeAnswered;
    h.probeToken = probeToken();
    h.unfinished = m_framer.unfinished();
    h.heartbeat = m_heartbeat.snapshot();
    h.lastRttMs = m_lastRttMs;
    for (qsizetype i = 0; i < m_out.size(); ++i)
        h.unsentOutput.append(i == 0 ? m_out.first().mid(m_outOffset) : m_out.at(i));
    if (const auto &cursor = historyCursor()) {
        h.historyActive = true;
        h.historySince = cursor->since;
        h.historyRemaining = cursor->remaining;
        h.historyUpTo = cursor->upTo;
    }
    setState(State::Closed);
    m_loop.wheel.cancel(this);
    discardOutput();
    m_loop.loop.remove(m_fd, this);
    h.fd = m_fd.exchange(-1);
    return h;
}

void Connection::applyLiveness()
{
    if (!isOpen() || probeDue().count() > 0)
        return; // a probe keeps its silence; the answer closes it anyway
    m_loop.events.optionsApplied(
        *this, applySocketOptions(m_fd, m_loop.settings.keepalive, m_loop.settings.userTimeout));
    m_heartbeat.setOptions(m_loop.settings.heartbeat);
    rearm();
}

// --- deadlines ------------------------------------------------------------

void Connection::rearm()
{
    if (state() == State::Closed) {
        m_loop.wheel.cancel(this);
        return;
    }
    const std::optional<Millis> due = earliestDeadline();
    if (!due) {
        m_loop.wheel.cancel(this);
        return;
    }
    // A deadline that only moved later (every line received moves the
    // heartbeat's) stays where it is: the timer then fires early, finds
    // nothing due and re-arms (onTimer). Moving the entry on every line
    // would touch two other connections' list links, cold in a large server.
    if (armed() && TimerWheel::Entry::due() <= *due)
        return;
    m_loop.wheel.schedule(this, *due);
}

std::optional<Millis> Connection::earliestDeadline()
{
    std::optional<Millis> due;
    auto consider = [&due](Millis at) { due = due ? std::min(*due, at) : at; };
    if (closeDeadline().count() > 0)
        consider(closeDeadline());
    if (m_handshaking)
        consider(m_startedAt + m_loop.limits.handshakeTimeout);
    if (isOpen() && !m_handshaking) {
        if (m_lineDeadline.count() > 0)
            consider(m_lineDeadline);
        if (probeDue().count() > 0) {
            consider(probeDue()); // and nothing else: the probe waits in silence
        } else {
            if (state() == State::Connected)
                consider(m_registerBy);
            if (const auto beat = m_heartbeat.nextDue())
                consider(*beat);
        }
    }
    return due;
}

void Connection::onTimer(Millis now)
{
    if (state() == State::Closed)
        return;
    // Most firings are early: the client spoke since the entry was armed,
    // so the heartbeat's deadline moved later and nothing is due. The entry
    // just moves; checking every deadline, with a reference and a clock
    // read of the heartbeat's, cost each of them a microsecond, and at
    // 19,500 clients 1,300 of them a second sit in passes that PINGs wait
    // behind. (With nothing due, HeartbeatMonitor::poll() would do
    // nothing: no PING before `interval` of silence, and a late poll
    // matters only after that much silence.)
    if (const std::optional<Millis> due = earliestDeadline(); due && *due > now) {
        m_loop.wheel.schedule(this, *due);
        return;
    }
    const auto self = shared_from_this();
    if (closeDeadline().count() > 0 && now >= closeDeadline()) {
        // The peer did not take its BYE and close in time.
        DeathVerdict v;
        v.cause = DeathCause::LocalClose;
        v.detail = localReason();
        finish(v);
        return;
    }
    if (m_handshaking && now >= m_startedAt + m_loop.limits.handshakeTimeout) {
        abort(QStringLiteral("tls handshake timeout"));
        return;
    }
    if (isOpen() && !m_handshaking) {
        if (m_lineDeadline.count() > 0 && now >= m_lineDeadline) {
            m_lineDeadline = Millis{0};
            m_loop.events.lineTimedOut(*this);
        }
        if (probeDue().count() > 0) {
            if (now >= probeDue())
                finishProbe(now);
            rearm();
            return;
        }
        if (state() == State::Connected && now >= m_registerBy)
            m_loop.events.registrationTimedOut(*this);
    }
    if (isOpen() && !m_handshaking) {
        const HeartbeatMonitor::Decision d = m_heartbeat.poll();
        if (d.action == HeartbeatMonitor::Action::SendPing) {
            sendHere(protocol::ping(d.token));
            m_loop.events.heartbeatSent(*this);
        } else if (d.action == HeartbeatMonitor::Action::Dead) {
            DeathVerdict v;
            v.cause = DeathCause::HeartbeatTimeout;
            v.detection = now - m_heartbeat.lastReceived();
            v.budget = m_loop.settings.heartbeat.detectionBudget();
            v.detail = QStringLiteral("no byte received for %1").arg(formatMillis(v.detection));
            finish(v);
            return;
        }
    }
    rearm();
}

// --- reading --------------------------------------------------------------

void Connection::onReady(uint32_t events)
{
    if (m_tls)
        return; // Asio's: the loop polls it this turn
    // No reference of our own (two atomic operations per PING): an owner
    // lets go of a connection that ended only after the turn (ended()).
    if (state() == State::Closed)
        return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        readAvailable((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
    if (state() != State::Closed && (events & EPOLLOUT) && m_writeArmed) {
        m_writeArmed = false;
        flush();
    }
}

void Connection::readAvailable(bool toEnd)
{
    if (m_loop.inputHeld)
        return; // a hand-over is getting ready: what waits goes with the socket
    char *buffer = scratchBuffer();
    size_t total = 0;
    m_reading = true;
    while (state() != State::Closed) {
        if (total >= MaxReadPerWakeup) {
            // The edge was taken: without a new one, read the rest on the
            // next pass of the loop, after the other connections.
            m_loop.loop.defer([self = shared_from_this(), toEnd] {
                if (self->state() != State::Closed)
                    self->readAvailable(toEnd);
            });
            break;
        }
        const ssize_t n = plainRecv(m_fd, buffer, ScratchBytes, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            const std::error_code error = n == 0 ? std::error_code(asio::error::eof) : lastError();
            m_reading = false;
            // A client that half-closes after its last lines still reads
            // the answers to them (printf 'HELLO bob\nWHO\n' | nc -N).
            if (n == 0 && !m_writeArmed && !m_out.isEmpty())
                (void)writeQueued();
            fail(error);
            return;
        }
        total += static_cast<size_t>(n);
        onBytes(buffer, static_cast<size_t>(n));
        // A short read drained the socket: no second read just to see
        // EAGAIN. Bytes arriving later are a new edge, so a new event.
        if (static_cast<size_t>(n) < ScratchBytes && !toEnd)
            break;
    }
    m_reading = false;
    // What the lines just read produced for this client (a PONG, an ACK,
    // its own MSG) goes out now, in one write, without a trip through the
    // batcher and the loop.
    if (state() != State::Closed && !m_writeArmed && !m_out.isEmpty())
        flush();
}

void Connection::startTls()
{
    m_tls->stream.async_handshake(asio::ssl::stream_base::server,
                                  [self = shared_from_this()](const std::error_code &ec) {
                                      if (self->state() == State::Closed)
                                          return;
                                      if (ec) {
                                          self->fail(ec);
                                          return;
                                      }
                                      self->m_handshaking = false;
                                      self->readTls();
                                      if (!self->m_out.isEmpty())
                                          self->writeTls();
                                      self->rearm();
                                  });
}

void Connection::readTls()
{
    m_tls->stream.async_read_some(asio::buffer(m_tls->readBuffer.get(), TlsReadBytes),
                                  [self = shared_from_this()](const std::error_code &ec, size_t n) {
                                      if (self->state() == State::Closed ||
                                          ec == asio::error::operation_aborted)
                                          return;
                                      if (n > 0)
                                          self->onBytes(self->m_tls->readBuffer.get(), n);
                                      if (ec) {
                                          self->fail(ec);
                                          return;
                                      }
                                      if (self->state() != State::Closed)
                                          self->readTls();
                                  });
}

void Connection::onBytes(const char *data, size_t size)
{
    m_heartbeat.noteReceived(m_loop.loop.now());
    if (!isOpen())
        return; // after BYE nothing more is read, only drained
    // A read ending a line with nothing unfinished before it is how a PING
    // arrives: the room may answer it from these bytes, without the framer,
    // a QString or a queue (about a third of a PING's work). Whether the
    // read holds one line or several is the room's to see: a PING's token
    // holds no newline, so the one pass that checks the token checks that.
    if (size >= 2 && data[size - 1] == '\n' && m_framer.pendingBytes() == 0 &&
        !m_framer.discarding()) {
        const size_t length = size - 1 - (data[size - 2] == '\r' ? 1 : 0);
        if (length > 0 && static_cast<qsizetype>(length) <= m_framer.maxLineBytes() &&
            m_loop.events.lineRead(*this, QByteArrayView(data, static_cast<qsizetype>(length)),
                                   m_loop.loop.now())) {
            Q_ASSERT(m_lineDeadline.count() == 0); // nothing was unfinished
            // A PING or PONG only moves the heartbeat's deadline later,
            // which an armed entry leaves where it is (rearm()); a close
            // sets its own.
            if (state() != State::Closed && !armed())
                rearm();
            return;
        }
    }
    m_framer.feed(QByteArray::fromRawData(data, static_cast<qsizetype>(size)));
    bool lineCompleted = false;
    while (isOpen()) {
        const std::optional<LineFramer::Item> item = m_framer.next();
        if (!item)
            break;
        lineCompleted = true;
        if (item->status == LineFramer::Status::Line)
            m_loop.events.lineReceived(*this, item->text);
        else
            m_loop.events.lineRejected(*this, item->status, item->rawSize);
    }
    if (!isOpen())
        return;
    const bool partial = m_framer.pendingBytes() > 0 || m_framer.discarding();
    if (!partial)
        m_lineDeadline = Millis{0};
    else if (lineCompleted || m_lineDeadline.count() == 0)
        m_lineDeadline = m_loop.loop.now() + m_loop.limits.lineTimeout;
    rearm();
}

// --- calls from the room -------------------------------------------------

void ConnectionInbox::push(Item item)
{
    bool wake = false;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        wake = m_items.empty();
        m_items.push_back(std::move(item));
        m_waiting.store(true, std::memory_order_relaxed);
    }
    if (wake)
        m_loop.post([this] { deliver(); });
}

void ConnectionInbox::send(std::shared_ptr<Connection> connection, QByteArray line, bool now)
{
    connection->m_inboxBytes.fetch_add(static_cast<qint32>(line.size()), std::memory_order_relaxed);
    push({std::move(connection), std::move(line), {}, now});
}

void ConnectionInbox::call(std::shared_ptr<Connection> connection, Call fn)
{
    push({std::move(connection), {}, std::move(fn), false});
}

void ConnectionInbox::deliver()
{
    std::vector<Item> items;
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        items.swap(m_items);
        m_waiting.store(false, std::memory_order_relaxed);
    }
    // The *Here calls: a call made meanwhile by another thread waits in the
    // inbox again, and these must not queue behind it.
    for (Item &item : items) {
        if (item.call) {
            item.call(*item.connection);
            continue;
        }
        item.connection->m_inboxBytes.fetch_sub(static_cast<qint32>(item.line.size()),
                                                std::memory_order_relaxed);
        if (item.now)
            item.connection->sendNowHere(item.line);
        else
            item.connection->sendHere(item.line);
    }
}

void Connection::runHere(ConnectionInbox::Call fn)
{
    if (here())
        fn(*this);
    else
        m_loop.inbox.call(shared_from_this(), std::move(fn));
}

void Connection::send(const QByteArray &line)
{
    if (here())
        sendHere(line);
    else
        m_loop.inbox.send(shared_from_this(), line);
}

void Connection::sendNow(QByteArrayView line)
{
    if (here())
        sendNowHere(line);
    else
        m_loop.inbox.send(shared_from_this(), line.toByteArray(), true);
}

void Connection::close(const QString &byeReason, const QString &localReason)
{
    runHere([byeReason, localReason](Connection &c) { c.closeHere(byeReason, localReason); });
}

void Connection::notePong(const QString &token)
{
    runHere([token](Connection &c) { c.notePongHere(token); });
}

void Connection::startProbe(const QString &token, Millis delay)
{
    runHere([token, delay](Connection &c) { c.startProbeHere(token, delay); });
}

// --- writing --------------------------------------------------------------

void Connection::sendNowHere(QByteArrayView line)
{
    // Anything in flight or encrypted goes first: then the line waits its
    // turn like any other.
    if (!isOpen() || m_tls || m_writeArmed || line.isEmpty()) {
        sendHere(line.toByteArray());
        return;
    }
    if (!m_out.isEmpty()) {
        // Lines wait before it, for the batcher's next slice (a broadcast
        // to a large room is written 256 readers at a time): this answer
        // takes them along now instead of waiting behind every reader the
        // batcher holds. An error is left to the reading side, as in
        // sendHere(); the batcher still visits and arms what is left.
        sendHere(line.toByteArray());
        if (isOpen() && !m_writeArmed && !m_reading)
            (void)writeQueued();
        return;
    }
    ssize_t written;
    do
        written = plainSend(m_fd, line.data(), static_cast<size_t>(line.size()), MSG_NOSIGNAL);
    while (written < 0 && errno == EINTR);
    m_sentLog.noteSent(m_loop.loop.now(), written);
    if (written == line.size())
        return;
    // A full buffer or an error: the rest is queued, and the usual flush
    // waits for the kernel (or finds the error and ends the connection).
    sendHere(line.sliced(written > 0 ? written : 0).toByteArray());
}

void Connection::sendHere(const QByteArray &line)
{
    if (!isOpen() || line.isEmpty())
        return;
    m_out.append(line); // shares the bytes of a broadcast line, no copy
    addOutBytes(line.size());
    m_loop.budget.change(line.size());
    if (outBytes() > m_loop.limits.maxOutputBytes && !m_tls && !m_writeArmed)
        // Lines of this loop pass wait for the batcher; before judging the
        // reader, give the kernel what it takes now. A write error here is
        // left to the reading side, which ends the connection properly.
        (void)writeQueued();
    if (outBytes() > m_loop.limits.maxOutputBytes) {
        // A reader this far behind would only grow our memory.
        dropSlowReader(QStringLiteral("its own output limit"));
        return;
    }
    if (m_loop.budget.over())
        m_loop.events.outputBudgetExceeded();
    if (m_tls) {
        if (!m_handshaking && !m_writeArmed)
            writeTls();
    } else if (!m_writeArmed && !m_flushQueued && !m_reading) {
        // (While its own input is read, the end of the read flushes.)
        m_flushQueued = true;
        m_loop.batcher.add(shared_from_this());
    }
}

void Connection::dropSlowReader(const QString &why)
{
    if (!isOpen())
        return;
    const qint64 unsent = outBytes();
    markLocalClose(QStringLiteral("slow reader"));
    setState(State::Closing);
    m_loop.loop.defer([self = shared_from_this(), unsent, why] {
        self->m_loop.events.slowReader(*self, unsent, why);
        DeathVerdict v;
        v.cause = DeathCause::LocalClose;
        v.detail = self->localReason();
        self->finish(v);
    });
}

void Connection::outputTaken(qint64 bytes)
{
    addOutBytes(-bytes);
    m_loop.budget.change(-bytes);
}

void Connection::discardOutput()
{
    m_loop.budget.change(-outBytes());
    m_out = QList<QByteArray>(); // give the queue's memory back
    m_outBytes.store(0, std::memory_order_relaxed);
    m_outOffset = 0;
}

void Connection::waitWritable()
{
    // The write that filled the kernel's buffer armed the edge: the next
    // EPOLLOUT says there is room again (onReady).
    if (state() != State::Closed)
        m_writeArmed = true;
}

std::error_code Connection::writeQueued()
{
    constexpr size_t MaxBuffers = 64; // what one writev takes here
    while (!m_out.isEmpty()) {
        iovec buffers[MaxBuffers];
        size_t count = 0;
        for (qsizetype i = 0; i < m_out.size() && count < MaxBuffers; ++i, ++count) {
            const QByteArray &b = m_out.at(i);
            const qsizetype skip = i == 0 ? m_outOffset : 0;
            buffers[count].iov_base = const_cast<char *>(b.constData() + skip);
            buffers[count].iov_len = static_cast<size_t>(b.size() - skip);
        }
        ssize_t written;
        if (count == 1) {
            // The common case (a PONG, one broadcast line): send() skips
            // copying a message header and an iovec array into the kernel.
            written = plainSend(m_fd, buffers[0].iov_base, buffers[0].iov_len, MSG_NOSIGNAL);
        } else {
            msghdr message{};
            message.msg_iov = buffers;
            message.msg_iovlen = count;
            written = ::sendmsg(m_fd, &message, MSG_NOSIGNAL);
        }
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return {};
        if (written < 0)
            return lastError();
        m_sentLog.noteSent(m_loop.loop.now(), written);
        size_t n = static_cast<size_t>(written);
        outputTaken(static_cast<qint64>(n));
        while (n > 0) {
            const qsizetype left = m_out.first().size() - m_outOffset;
            if (static_cast<size_t>(left) <= n) {
                n -= static_cast<size_t>(left);
                m_out.removeFirst();
                m_outOffset = 0;
            } else {
                m_outOffset += static_cast<qint32>(n); // n < left
                n = 0;
            }
        }
    }
    return {};
}

void Connection::flush()
{
    if (const std::error_code ec = writeQueued()) {
        fail(ec);
        return;
    }
    if (!m_out.isEmpty()) {
        waitWritable();
        return;
    }
    discardOutput(); // nothing left: gives the queue's memory back
    if (state() == State::Closing && !m_shutdownSent)
        afterDrain();
    else if (historyActive())
        m_loop.loop.defer([self = shared_from_this()] {
            if (self->isOpen() && self->m_out.isEmpty())
                self->m_loop.events.outputDrained(*self);
        });
}

void Connection::writeTls()
{
    m_writeArmed = true;
    m_tls->unacked.note(m_fd, monotonicNow());
    const QByteArray &front = m_out.first();
    asio::async_write(
        m_tls->stream, asio::buffer(front.constData(), static_cast<size_t>(front.size())),
        [self = shared_from_this()](const std::error_code &ec, size_t n) {
            self->m_writeArmed = false;
            if (self->state() == State::Closed || ec == asio::error::operation_aborted)
                return;
            if (ec) {
                self->fail(ec);
                return;
            }
            self->outputTaken(static_cast<qint64>(n));
            self->m_out.removeFirst();
            if (!self->m_out.isEmpty()) {
                self->writeTls();
                return;
            }
            self->discardOutput();
            if (self->state() == State::Closing && !self->m_shutdownSent)
                self->afterDrain();
            else if (self->historyCursor())
                self->m_loop.events.outputDrained(*self);
        });
}

void Connection::afterDrain()
{
    // Everything up to BYE is out: send our FIN, and give the peer
    // CloseGrace to close its side (we keep reading to see it).
    m_shutdownSent = true;
    ::shutdown(m_fd, SHUT_WR);
    setCloseDeadline(monotonicNow() + CloseGrace);
    rearm();
}

// --- closing --------------------------------------------------------------

void Connection::markLocalClose(const QString &reason)
{
    if (m_localClose)
        return;
    m_localClose = true;
    notes().localReason = reason;
}

void Connection::closeHere(const QString &byeReason, const QString &localReason)
{
    if (!isOpen())
        return;
    sendHere(protocol::bye(byeReason));
    if (!isOpen())
        return; // the BYE itself overflowed the output limit
    markLocalClose(localReason);
    setState(State::Closing);
    m_lineDeadline = Millis{0};
    // No heartbeat PING may follow the BYE. The FIN follows the BYE once the
    // output is out (flush); the close grace bounds the wait for both.
    setCloseDeadline(monotonicNow() + CloseGrace + CloseGrace);
    rearm();
}

void Connection::abort(const QString &localReason)
{
    if (state() == State::Closed)
        return;
    markLocalClose(localReason);
    setState(State::Closing);
    m_loop.loop.defer([self = shared_from_this()] {
        DeathVerdict v;
        v.cause = DeathCause::LocalClose;
        v.detail = self->localReason();
        self->finish(v);
    });
}

void Connection::detach()
{
    setState(State::Closed);
    m_loop.wheel.cancel(this);
    discardOutput();
    if (m_fd >= 0)
        m_loop.loop.remove(m_fd, this);
    if (m_tls) {
        std::error_code ec;
        m_tls->socket.close(ec);
    } else if (m_fd >= 0) {
        ::close(m_fd);
    }
    m_fd = -1;
    if (std::exchange(m_holdsAsio, false))
        m_loop.loop.releaseAsio();
}

void Connection::startProbeHere(const QString &token, Millis delay)
{
    if (!isOpen())
        return;
    notes().probeToken = token;
    setProbeDue(monotonicNow() + delay);
    // Nothing may cross the path meanwhile: no kernel keepalive (a probe
    // would refresh the mapping under test); heartbeats and the
    // registration deadline wait (rearm). The answer gives up after
    // ProbeUserTimeout if the path dropped it.
    applySocketOptions(m_fd, KeepaliveOptions{}, ProbeUserTimeout);
    rearm();
}

void Connection::finishProbe(Millis now)
{
    if (m_probeAnswered) {
        // One probe per connection: a measurement opens a new one for the
        // next delay, so no silent connection outlives its delay by more
        // than the linger (or the answer's user timeout).
        setProbeDue(Millis{0});
        m_probeAnswered = false;
        const QString reason = QStringLiteral("probe answered");
        closeHere(reason, reason);
        return;
    }
    sendHere(protocol::probed(probeToken()));
    notes().probeToken.clear();
    m_probeAnswered = true;
    setProbeDue(now + ProbeLinger);
}

void Connection::notePongHere(const QString &token)
{
    if (const auto rtt = m_heartbeat.notePong(token)) {
        m_lastRttMs = static_cast<qint32>(std::min<qint64>(rtt->count(), INT32_MAX));
        m_loop.events.heartbeatAnswered(*this, *rtt);
    }
}

bool Connection::peerHasClosed() const
{
    if (state() == State::Closed)
        return true;
    // The kernel knows of a FIN or a reset before the loop reads it: for a
    // client that quits and connects again at once, the loop serving the
    // new connection may be ahead of the one serving the old. (While the
    // room's lock is held no socket is accepted, so the descriptor is this
    // connection's or no socket's.)
    const int fd = m_fd.load(std::memory_order_relaxed);
    tcp_info info{};
    socklen_t length = sizeof info;
    if (fd < 0 || ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        return fd < 0;
    return info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE ||
           info.tcpi_state == TCP_LAST_ACK;
}

std::optional<Millis> Connection::lastRtt() const
{
    if (m_lastRttMs < 0)
        return std::nullopt;
    return Millis{m_lastRttMs};
}

Millis Connection::sinceLastHeard(const KernelSocketView &view) const
{
    const Millis now = monotonicNow();
    Millis lastHeard = m_heartbeat.lastReceived();
    if (view.valid)
        lastHeard = std::max(lastHeard, now - Millis{view.lastAckRecvMs});
    return now - lastHeard;
}

void Connection::fail(const std::error_code &ec)
{
    if (state() == State::Closed)
        return;
    DeathVerdict v;
    const bool peerClosed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    if (peerClosed) {
        v.cause = DeathCause::ClosedByPeer;
        v.detection = sinceLastHeard(KernelSocketView{});
    } else {
        // The descriptor is still open: the kernel's final state tells a
        // reset (CLOSE) from other errors, and what was in flight.
        ErrorContext c;
        c.error = socketErrorFor(ec);
        c.errorString = QString::fromStdString(ec.message());
        c.settings = m_loop.settings;
        KernelSocketView view = sampleKernelView(m_fd, false);
        if (view.valid) {
            c.tcpStateNow = view.state;
            // The kernel empties its write queue when it gives up, so
            // "unacknowledged" is read from the clocks: data sent after
            // the last ACK came back was still in flight.
            if (view.unacked == 0 && view.lastDataSentMs < view.lastAckRecvMs)
                view.unacked = 1;
            c.lastSample = view;
        }
        c.sinceLastHeard = sinceLastHeard(view);
        c.sinceFirstUnacked = m_tls
                                  ? m_tls->unacked.elapsed(monotonicNow(), view)
                                  : m_sentLog.elapsed(monotonicNow(), kernelBytesAcked(m_fd), view);
        if (ec.category() != asio::error::get_system_category())
            c.errorString = QStringLiteral("TLS: ") + c.errorString;
        v = classifySocketError(c);
    }
    if (m_localClose) {
        v.cause = DeathCause::LocalClose;
        v.detail = localReason();
    }
    finish(v);
}

void Connection::finish(const DeathVerdict &verdict)
{
    if (state() == State::Closed)
        return;
    detach(); // pending TLS operations complete as aborted
    m_loop.events.ended(*this, verdict);
}

} // namespace longline::server::net
