#pragma once
// Watches one connected QTcpSocket with every liveness mechanism its
// settings enable: applies the kernel options, runs the heartbeat, samples
// the kernel's view, and when the connection ends says why and how fast.
//
// The owner keeps reading the socket itself and tells this object about
// every read (noteReceived) and every PONG (notePong); this object writes
// PINGs to the socket on its own. It emits dead() exactly once per start().

#include "deathverdict.h"
#include "heartbeatmonitor.h"
#include "kernelsocketview.h"
#include "livenesssettings.h"
#include "rttstats.h"
#include "socketoptions.h"

#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace longline {

class ConnectionLiveness : public QObject
{
    Q_OBJECT
public:
    // Cheap TCP_INFO sampling for classification; front ends ask for more.
    static constexpr Millis DefaultSamplePeriod{1000};

    explicit ConnectionLiveness(QTcpSocket *socket, QObject *parent = nullptr);
    ~ConnectionLiveness() override;

    // Takes effect at once; on a running connection the kernel options are
    // re-applied and the heartbeat switches to the new policy.
    void setSettings(const LivenessSettings &settings);
    const LivenessSettings &settings() const { return m_settings; }

    // Sample the kernel every `period` (0 = never), with the sock_diag timer
    // when `withTimer` (a netlink round trip each time).
    void setKernelSampling(Millis period, bool withTimer);

    void start();        // the socket just connected / was accepted
    void noteReceived(); // bytes arrived (any byte is life)
    void noteSending();  // about to write: tracks when data went unacknowledged
    void notePong(const QString &token);
    // We are about to close on purpose: the end is reported as LocalClose.
    void markLocalClose(const QString &reason);

    bool running() const { return m_running; }
    Millis silence() const { return m_heartbeat.silence(); }
    // Since the last sign of life from the peer (a byte, or a kernel ACK
    // seen in the last sample); unlike silence() it still answers after
    // the connection died, for "offline since" and adaptive keep-warm.
    Millis sinceLastHeard() const;
    std::optional<Millis> lag() const { return m_heartbeat.lag(); }
    int pingsInFlight() const { return m_heartbeat.pingsInFlight(); }
    RttStats::Summary rtt() const { return m_rtt.summary(); }
    const SocketOptionsReport &lastOptionsReport() const { return m_optionsReport; }
    std::optional<KernelSocketView> lastKernelView() const { return m_lastSample; }
    KernelSocketView sampleNow(bool withTimer = true); // also emits kernelSampled
    Millis uptime() const;

Q_SIGNALS:
    void optionsApplied(const longline::SocketOptionsReport &report);
    void pingSent(const QString &token);
    void rttMeasured(longline::Millis rtt);
    void kernelSampled(const longline::KernelSocketView &view);
    void dead(const longline::DeathVerdict &verdict);

private:
    void applyOptions();
    void onPollTimer();
    void onSampleTimer();
    void onSocketError(QAbstractSocket::SocketError error);
    void onDisconnected();
    void finish(const DeathVerdict &verdict);
    void releaseWitness();

    QPointer<QTcpSocket> m_socket;
    LivenessSettings m_settings;
    HeartbeatMonitor m_heartbeat;
    RttStats m_rtt;
    QTimer m_pollTimer;
    QTimer m_sampleTimer;
    Millis m_samplePeriod = DefaultSamplePeriod;
    bool m_sampleWithTimer = false;
    bool m_running = false;
    bool m_localClose = false;
    QString m_localCloseReason;
    Millis m_startedAt{0};
    UnackedSince m_unacked;
    SocketOptionsReport m_optionsReport;
    std::optional<KernelSocketView> m_lastSample;
    Millis m_lastSampleAt{0};
    // A dup() of the socket's descriptor held while the connection runs. Qt
    // closes its own descriptor before it reports a read error (and maps a
    // reset and a FIN to the same error), so this is how the kernel's final
    // TCP state is still readable: CLOSE after a reset, CLOSE_WAIT after a
    // FIN. Released the moment the connection ends, so a close still sends
    // its FIN at once.
    int m_witnessFd = -1;
};

} // namespace longline
