#pragma once
// The side panel's connection page: the connection's state and uptime, heartbeat round trips,
// live lag and silence, the kernel's view of the socket (keepalive timer,
// unanswered probes, last ACK, retransmissions), the timeline and the event
// log. Fed by ChatClient / ConnectionLiveness signals through MainWindow.

#include "chatclient.h"
#include "kernelsocketview.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QGroupBox;
class QLabel;
class QTableView;
class QFormLayout;

namespace longline::app {

class EventLogModel;
class TimelineModel;
class TimelineWidget;

class StatusPanel : public QWidget
{
    Q_OBJECT
public:
    // The event log shows at least this many rows (the side panel scrolls).
    static constexpr int LogRowsShown = 8;

    StatusPanel(TimelineModel *timeline, EventLogModel *log, QWidget *parent = nullptr);

    // The liveness object of the current connection (or null).
    void setLiveness(ConnectionLiveness *liveness);
    void setConnectionState(ChatClient::State state, const QString &endpoint);
    void setReconnectAttempt(int attempt);
    // "TLS 1.3, TLS_AES_256_GCM_SHA384", or empty for a plain connection.
    void setEncryption(const QString &summary);
    // Re-reads the live values (RTT, lag, silence, uptime) from the liveness.
    void refreshLive();
    void showKernelView(const KernelSocketView &view);
    void clearKernelView();

    QString valueText(const QString &name) const; // tests: text of a value label

protected:
    void changeEvent(QEvent *event) override;

private:
    void fitLogRows();
    QLabel *addValue(QFormLayout *form, const QString &name, const QString &label);
    void saveLog();

    QPointer<ConnectionLiveness> m_liveness;
    EventLogModel *m_log;
    TimelineWidget *m_timelineWidget;
    QTableView *m_logView;

    QGroupBox *m_kernelBox = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_endpoint = nullptr;
    QLabel *m_uptime = nullptr;
    QLabel *m_attempt = nullptr;
    QLabel *m_encryption = nullptr;
    QLabel *m_rttLast = nullptr;
    QLabel *m_rttStats = nullptr;
    QLabel *m_jitter = nullptr;
    QLabel *m_lag = nullptr;
    QLabel *m_silence = nullptr;
    QLabel *m_tcpState = nullptr;
    QLabel *m_timer = nullptr;
    QLabel *m_probes = nullptr;
    QLabel *m_lastAck = nullptr;
    QLabel *m_lastData = nullptr;
    QLabel *m_retrans = nullptr;
    QLabel *m_unacked = nullptr;
    QLabel *m_kernelRtt = nullptr;
    bool m_running = false;
    bool m_haveSample = false; // a kernel view was shown since start
};

} // namespace longline::app
