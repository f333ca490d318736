#include "connectionliveness.h"

#include "protocol.h"

#include <algorithm>

#if defined(Q_OS_UNIX)
#include <fcntl.h>
#include <unistd.h>
#endif

namespace longline {

ConnectionLiveness::ConnectionLiveness(QTcpSocket *socket, QObject *parent)
    : QObject(parent), m_socket(socket)
{
    m_pollTimer.setTimerType(Qt::PreciseTimer);
    m_sampleTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_pollTimer, &QTimer::timeout, this, &ConnectionLiveness::onPollTimer);
    connect(&m_sampleTimer, &QTimer::timeout, this, &ConnectionLiveness::onSampleTimer);
    connect(socket, &QAbstractSocket::errorOccurred, this, &ConnectionLiveness::onSocketError);
    connect(socket, &QAbstractSocket::disconnected, this, &ConnectionLiveness::onDisconnected);
}

ConnectionLiveness::~ConnectionLiveness()
{
    releaseWitness();
}

void ConnectionLiveness::releaseWitness()
{
#if defined(Q_OS_UNIX)
    if (m_witnessFd >= 0)
        ::close(m_witnessFd);
#endif
    m_witnessFd = -1;
}

void ConnectionLiveness::setSettings(const LivenessSettings &settings)
{
    m_settings = settings;
    m_heartbeat.setOptions(settings.heartbeat);
    if (m_running) {
        applyOptions();
        m_pollTimer.start(m_heartbeat.pollPeriod());
    }
}

void ConnectionLiveness::setKernelSampling(Millis period, bool withTimer)
{
    m_samplePeriod = period;
    m_sampleWithTimer = withTimer;
    if (m_running) {
        if (period.count() > 0)
            m_sampleTimer.start(period);
        else
            m_sampleTimer.stop();
    }
}

void ConnectionLiveness::start()
{
    m_running = true;
    m_localClose = false;
    m_localCloseReason.clear();
    m_startedAt = monotonicNow();
    m_unacked.reset();
    m_rtt.clear();
    m_lastSample.reset();
    m_heartbeat.setOptions(m_settings.heartbeat);
    m_heartbeat.start();
    releaseWitness();
#if defined(Q_OS_UNIX)
    if (m_socket && m_socket->socketDescriptor() >= 0)
        m_witnessFd = ::fcntl(static_cast<int>(m_socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
#endif
    applyOptions();
    m_pollTimer.start(m_heartbeat.pollPeriod());
    if (m_samplePeriod.count() > 0)
        m_sampleTimer.start(m_samplePeriod);
    onSampleTimer();
}

void ConnectionLiveness::applyOptions()
{
    if (!m_socket)
        return;
    m_optionsReport = applySocketOptions(m_socket->socketDescriptor(), m_settings.keepalive,
                                         m_settings.userTimeout);
    Q_EMIT optionsApplied(m_optionsReport);
}

void ConnectionLiveness::noteReceived()
{
    m_heartbeat.noteReceived();
}

void ConnectionLiveness::notePong(const QString &token)
{
    if (const auto rtt = m_heartbeat.notePong(token)) {
        m_rtt.add(static_cast<double>(rtt->count()));
        Q_EMIT rttMeasured(*rtt);
    }
}

void ConnectionLiveness::markLocalClose(const QString &reason)
{
    m_localClose = true;
    m_localCloseReason = reason;
}

Millis ConnectionLiveness::uptime() const
{
    return m_running ? monotonicNow() - m_startedAt : Millis{0};
}

void ConnectionLiveness::onPollTimer()
{
    if (!m_running || !m_socket)
        return;
    const auto decision = m_heartbeat.poll();
    switch (decision.action) {
    case HeartbeatMonitor::Action::None:
        break;
    case HeartbeatMonitor::Action::SendPing:
        noteSending();
        m_socket->write(protocol::ping(decision.token));
        Q_EMIT pingSent(decision.token);
        break;
    case HeartbeatMonitor::Action::Dead: {
        DeathVerdict v;
        v.cause = DeathCause::HeartbeatTimeout;
        v.detection = m_heartbeat.silence();
        if (v.detection.count() == 0)
            v.detection = monotonicNow() - m_heartbeat.lastReceived();
        v.budget = m_settings.heartbeat.detectionBudget();
        v.detail = QStringLiteral("no byte received for %1").arg(formatMillis(v.detection));
        finish(v);
        // abort() emits disconnected(); finish() already reported.
        m_socket->abort();
        return;
    }
    }
}

KernelSocketView ConnectionLiveness::sampleNow(bool withTimer)
{
    KernelSocketView view;
    if (m_socket)
        view = sampleKernelView(m_socket->socketDescriptor(), withTimer);
    if (view.valid) {
        m_lastSample = view;
        m_lastSampleAt = monotonicNow();
    }
    Q_EMIT kernelSampled(view);
    return view;
}

void ConnectionLiveness::onSampleTimer()
{
    if (m_running)
        sampleNow(m_sampleWithTimer);
}

void ConnectionLiveness::noteSending()
{
    if (!m_running || !m_socket || m_socket->socketDescriptor() < 0)
        return;
    // Bytes Qt still holds go to the kernel before these: the period they
    // started has not ended.
    if (m_socket->bytesToWrite() > 0 && m_unacked.elapsed(monotonicNow()))
        return;
    m_unacked.note(m_socket->socketDescriptor(), monotonicNow());
}

Millis ConnectionLiveness::sinceLastHeard() const
{
    const Millis now = monotonicNow();
    Millis lastHeard = m_heartbeat.lastReceived();
    if (m_lastSample && m_lastSample->valid) {
        const Millis ackAt = m_lastSampleAt - Millis{m_lastSample->lastAckRecvMs};
        if (ackAt > lastHeard)
            lastHeard = ackAt;
    }
    return now - lastHeard;
}

void ConnectionLiveness::onSocketError(QAbstractSocket::SocketError error)
{
    if (!m_running || !m_socket)
        return;
    ErrorContext c;
    c.error = error;
    c.errorString = m_socket->errorString();
    c.settings = m_settings;
    c.lastSample = m_lastSample;
    const qintptr fd = m_witnessFd >= 0 ? m_witnessFd : m_socket->socketDescriptor();
    KernelSocketView fresh;
    if (fd >= 0) {
        const KernelSocketView now = sampleKernelView(fd, false);
        fresh = now;
        if (now.valid) {
            c.tcpStateNow = now.state;
            // The freshest view of data in flight, taken at the moment of death.
            if (c.lastSample)
                c.lastSample->unacked = std::max(c.lastSample->unacked, now.unacked);
        }
    }
    c.sinceLastHeard = sinceLastHeard();
    c.sinceFirstUnacked = m_unacked.elapsed(monotonicNow(), fresh);
    DeathVerdict v = classifySocketError(c);
    if (m_localClose) {
        v.cause = DeathCause::LocalClose;
        v.detail = m_localCloseReason;
    }
    finish(v);
}

void ConnectionLiveness::onDisconnected()
{
    if (!m_running) {
        releaseWitness();
        return;
    }
    DeathVerdict v;
    v.detection = sinceLastHeard();
    if (m_localClose) {
        v.cause = DeathCause::LocalClose;
        v.detail = m_localCloseReason;
    } else {
        v.cause = DeathCause::ClosedByPeer;
    }
    finish(v);
}

void ConnectionLiveness::finish(const DeathVerdict &verdict)
{
    if (!m_running)
        return;
    m_running = false;
    releaseWitness();
    m_pollTimer.stop();
    m_sampleTimer.stop();
    Q_EMIT dead(verdict);
}

} // namespace longline
