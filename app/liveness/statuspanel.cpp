#include "statuspanel.h"

#include "labelstyle.h"

#include "eventlogmodel.h"
#include "presentation.h"
#include "timelinemodel.h"
#include "timelinewidget.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

namespace longline::app {

namespace {
const QString Dash = QStringLiteral("—");

QString ago(quint32 ms)
{
    return Presentation::tr("%1 ago").arg(Presentation::duration(Millis{ms}));
}
} // namespace

StatusPanel::StatusPanel(TimelineModel *timeline, EventLogModel *log, QWidget *parent)
    : QWidget(parent), m_log(log)
{
    auto *layout = new QVBoxLayout(this);

    auto *connBox = new QGroupBox(tr("Connection"), this);
    auto *connForm = new QFormLayout(connBox);
    m_state = addValue(connForm, QStringLiteral("state"), tr("State:"));
    m_endpoint = addValue(connForm, QStringLiteral("endpoint"), tr("Server:"));
    m_uptime = addValue(connForm, QStringLiteral("uptime"), tr("Uptime:"));
    m_attempt = addValue(connForm, QStringLiteral("attempt"), tr("Reconnect attempt:"));
    m_encryption = addValue(connForm, QStringLiteral("encryption"), tr("Encryption:"));

    auto *hbBox = new QGroupBox(tr("Heartbeat"), this);
    auto *hbForm = new QFormLayout(hbBox);
    m_rttLast = addValue(hbForm, QStringLiteral("rttLast"), tr("Round trip:"));
    m_rttStats = addValue(hbForm, QStringLiteral("rttStats"), tr("Median / p95 / max:"));
    m_jitter = addValue(hbForm, QStringLiteral("jitter"), tr("Jitter:"));
    m_lag = addValue(hbForm, QStringLiteral("lag"), tr("Lag (oldest unanswered ping):"));
    m_silence = addValue(hbForm, QStringLiteral("silence"), tr("Silence since last byte:"));

    auto *kBox = new QGroupBox(tr("Kernel (TCP_INFO, sock_diag)"), this);
    m_kernelBox = kBox;
    auto *kForm = new QFormLayout(kBox);
    m_tcpState = addValue(kForm, QStringLiteral("tcpState"), tr("TCP state:"));
    m_timer = addValue(kForm, QStringLiteral("timer"), tr("Next timer:"));
    m_probes = addValue(kForm, QStringLiteral("probes"), tr("Unanswered probes:"));
    m_lastAck = addValue(kForm, QStringLiteral("lastAck"), tr("Last ACK received:"));
    m_lastData = addValue(kForm, QStringLiteral("lastData"), tr("Last data received:"));
    m_retrans = addValue(kForm, QStringLiteral("retrans"), tr("Retransmissions:"));
    m_unacked = addValue(kForm, QStringLiteral("unacked"), tr("Unacknowledged segments:"));
    m_kernelRtt = addValue(kForm, QStringLiteral("kernelRtt"), tr("Kernel RTT:"));

    // One column: the side panel is narrow, and it scrolls.
    layout->addWidget(connBox);
    layout->addWidget(hbBox);
    layout->addWidget(kBox);

    // Timeline
    auto *tlBox = new QGroupBox(tr("Timeline"), this);
    auto *tlLayout = new QVBoxLayout(tlBox);
    auto *tlBar = new QHBoxLayout;
    // An item wraps whole: "▲ probe unanswered" never loses its word.
    auto *legend = new QLabel(
        Presentation::legend(tr("● ping round trip   ◆ keepalive probe answered   ▲ probe "
                                "unanswered   ┆ last byte received   | declared dead")),
        this);
    legend->setWordWrap(true);
    setTone(legend, Tone::Muted);
    auto *span = new QComboBox(this);
    span->setObjectName(QStringLiteral("timelineSpan"));
    // "Fit" first: the span follows the story of the latest death.
    const std::pair<QString, qint64> spans[] = {{tr("Fit"), TimelineWidget::FitSpan.count()},
                                                {tr("30 s"), 30000},
                                                {tr("1 min"), 60000},
                                                {tr("5 min"), 300000},
                                                {tr("15 min"), 900000}};
    for (const auto &[text, ms] : spans)
        span->addItem(text, ms);
    span->setToolTip(tr("How much time the timeline shows; Fit shows the latest connection "
                        "loss from its last byte, or the last minute"));
    span->setCurrentIndex(0);
    tlBar->addWidget(legend, 1);
    tlBar->addWidget(span);
    m_timelineWidget = new TimelineWidget(timeline, this);
    m_timelineWidget->setObjectName(QStringLiteral("timeline"));
    tlLayout->addLayout(tlBar);
    tlLayout->addWidget(m_timelineWidget, 1);
    // First: the story a class reads (the state is in the health line too).
    layout->insertWidget(0, tlBox, 2);
    connect(span, &QComboBox::activated, this, [this, span](int i) {
        m_timelineWidget->setSpan(Millis{span->itemData(i).toLongLong()});
    });

    // Event log
    auto *logBox = new QGroupBox(tr("Event log"), this);
    auto *logLayout = new QVBoxLayout(logBox);
    m_logView = new QTableView(this);
    m_logView->setObjectName(QStringLiteral("eventLog"));
    m_logView->setModel(log);
    m_logView->verticalHeader()->hide();
    m_logView->horizontalHeader()->setStretchLastSection(true);
    m_logView->horizontalHeader()->setSectionResizeMode(EventLogModel::TimeColumn,
                                                        QHeaderView::ResizeToContents);

    m_logView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_logView->setWordWrap(false);
    m_logView->setAlternatingRowColors(true);
    fitLogRows();
    auto *logButtons = new QHBoxLayout;
    auto *save = new QPushButton(tr("Save &as CSV…"), this);
    auto *clear = new QPushButton(tr("C&lear"), this);
    logButtons->addStretch(1);
    logButtons->addWidget(clear);
    logButtons->addWidget(save);
    logLayout->addWidget(m_logView, 1);
    logLayout->addLayout(logButtons);
    layout->addWidget(logBox, 3);
    connect(save, &QPushButton::clicked, this, &StatusPanel::saveLog);
    connect(clear, &QPushButton::clicked, log, &EventLogModel::clear);
    connect(log, &QAbstractItemModel::rowsInserted, this, [this] {
        const QScrollBar *bar = m_logView->verticalScrollBar();
        m_logView->resizeColumnToContents(EventLogModel::KindColumn);
        if (bar->value() >= bar->maximum() - 2)
            QMetaObject::invokeMethod(m_logView, &QTableView::scrollToBottom, Qt::QueuedConnection);
    });

    setConnectionState(ChatClient::State::Disconnected, QString());
    clearKernelView();
    refreshLive();
}

void StatusPanel::fitLogRows()
{
    const int row = fontMetrics().height() + 4;
    m_logView->verticalHeader()->setDefaultSectionSize(row);
    m_logView->setMinimumHeight(m_logView->horizontalHeader()->sizeHint().height() +
                                row * LogRowsShown + 2 * m_logView->frameWidth());
}

void StatusPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        fitLogRows();
}

QLabel *StatusPanel::addValue(QFormLayout *form, const QString &name, const QString &label)
{
    auto *value = new QLabel(Dash, this);
    value->setObjectName(name + QStringLiteral("Value"));
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(label, value);
    return value;
}

QString StatusPanel::valueText(const QString &name) const
{
    const auto *l = findChild<QLabel *>(name + QStringLiteral("Value"));
    return l ? l->text() : QString();
}

void StatusPanel::setLiveness(ConnectionLiveness *liveness)
{
    m_liveness = liveness;
    refreshLive();
}

void StatusPanel::setConnectionState(ChatClient::State state, const QString &endpoint)
{
    m_running = state == ChatClient::State::Online || state == ChatClient::State::Handshaking;
    m_state->setText(Presentation::state(state));
    setTone(m_state, state == ChatClient::State::Online               ? Tone::Good
                     : state == ChatClient::State::WaitingToReconnect ? Tone::Bad
                                                                      : Tone::Muted);
    setBold(m_state, true);
    m_endpoint->setText(endpoint.isEmpty() ? Dash : endpoint);
    // After the end the last sample stays, greyed: it tells how the
    // connection looked to the kernel just before it was declared dead.
    m_kernelBox->setEnabled(m_running);
    m_kernelBox->setTitle(m_running || !m_haveSample ? tr("Kernel (TCP_INFO, sock_diag)")
                                                     : tr("Kernel (last sample)"));
    refreshLive();
}

void StatusPanel::setEncryption(const QString &summary)
{
    m_encryption->setText(summary.isEmpty() ? tr("none (plain text)") : summary);
}

void StatusPanel::setReconnectAttempt(int attempt)
{
    m_attempt->setText(attempt > 0 ? QString::number(attempt) : Dash);
}

void StatusPanel::refreshLive()
{
    const bool live = m_liveness && m_liveness->running();
    m_uptime->setText(live ? Presentation::duration(m_liveness->uptime()) : Dash);
    const auto s = m_liveness ? m_liveness->rtt() : RttStats::Summary{};
    if (s.count > 0) {
        m_rttLast->setText(tr("%1 (samples: %2)").arg(Presentation::rtt(s.lastMs)).arg(s.total));
        m_rttStats->setText(QStringLiteral("%1 / %2 / %3")
                                .arg(Presentation::rtt(s.medianMs), Presentation::rtt(s.p95Ms),
                                     Presentation::rtt(s.maxMs)));
        m_jitter->setText(Presentation::rtt(s.stddevMs));
    } else {
        // A PING goes out only after that much silence: while the server's
        // own pings or chat keep arriving there is nothing to time yet.
        m_rttLast->setText(
            live && m_liveness->settings().heartbeat.enabled
                ? tr("none yet: a ping goes out after %1 of silence")
                      .arg(Presentation::duration(m_liveness->settings().heartbeat.interval))
                : (live ? tr("heartbeats off") : Dash));
        m_rttStats->setText(Dash);
        m_jitter->setText(Dash);
    }
    if (live) {
        const auto lag = m_liveness->lag();
        m_lag->setText(lag ? Presentation::duration(*lag) : tr("none"));
        m_silence->setText(Presentation::duration(m_liveness->silence()));
    } else {
        m_lag->setText(Dash);
        m_silence->setText(Dash);
    }
}

void StatusPanel::showKernelView(const KernelSocketView &v)
{
    refreshLive();
    if (!m_running)
        return; // a sample taken while closing: keep the last live one
    if (!v.valid) {
        clearKernelView();
        if (!v.error.isEmpty())
            m_tcpState->setText(v.error);
        return;
    }
    m_haveSample = true;
    m_tcpState->setText(Presentation::tcpState(v.state));
    if (!v.timerKnown) {
        m_timer->setText(tr("unknown (sock_diag unavailable)"));
    } else if (v.timer == KernelSocketView::Timer::None) {
        m_timer->setText(tr("none armed"));
    } else {
        m_timer->setText(tr("%1 in %2")
                             .arg(Presentation::timer(v.timer),
                                  Presentation::duration(Millis{v.timerExpiresMs})));
    }
    const int unanswered = v.timer == KernelSocketView::Timer::Keepalive && v.timerKnown
                               ? int(std::max<quint32>(v.probes, v.timerRetrans))
                               : int(v.probes);
    m_probes->setText(QString::number(unanswered));
    setTone(m_probes, unanswered > 0 ? Tone::Bad : Tone::Normal);
    setBold(m_probes, unanswered > 0);
    m_lastAck->setText(ago(v.lastAckRecvMs));
    m_lastData->setText(ago(v.lastDataRecvMs));
    m_retrans->setText(tr("%1 now, %2 in total").arg(v.retransmits).arg(v.totalRetrans));
    m_unacked->setText(QString::number(v.unacked));
    m_kernelRtt->setText(tr("%1 ± %2").arg(Presentation::rtt(v.rttUs / 1000.0),
                                           Presentation::rtt(v.rttVarUs / 1000.0)));
}

void StatusPanel::clearKernelView()
{
    for (QLabel *l :
         {m_tcpState, m_timer, m_probes, m_lastAck, m_lastData, m_retrans, m_unacked, m_kernelRtt})
        l->setText(Dash);
    setTone(m_probes, Tone::Normal);
    setBold(m_probes, false);
}

void StatusPanel::saveLog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save event log"),
                                                      QStringLiteral("longline-events.csv"),
                                                      tr("CSV files (*.csv);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!m_log->saveCsv(path, &error))
        QMessageBox::warning(this, tr("Save event log"),
                             tr("Could not save %1: %2").arg(path, error));
}

} // namespace longline::app
