#include "settingspanel.h"

#include "labelstyle.h"

#include "budgetreport.h"
#include "keepwarm.h"
#include "pathmeasurementbox.h"
#include "presentation.h"

#include <QAbstractSpinBox>
#include <QButtonGroup>
#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

namespace longline::app {

namespace {
// Spin box limits follow the kernel's (see KeepaliveOptions).
constexpr int MaxKeepaliveSeconds = 32767;
constexpr int MaxKeepaliveCount = 127;
constexpr int MaxUserTimeoutMs = 3600 * 1000;
constexpr double MinHeartbeatS = 0.1;
constexpr double MaxHeartbeatS = 3600;
constexpr int MaxNatTimeoutS = 7 * 86400;
// The worst-case headline stands out from the lines below it.
constexpr double HeadlineScale = 1.15;

QLabel *wrapLabel(QWidget *parent)
{
    auto *l = new QLabel(parent);
    l->setWordWrap(true);
    l->setTextFormat(Qt::PlainText);
    return l;
}
} // namespace

SettingsPanel::SettingsPanel(QWidget *parent) : QWidget(parent)
{
    m_config = defaultLivenessConfig();
    buildUi();
    writeWidgets();
}

void SettingsPanel::buildUi()
{
    auto *layout = new QVBoxLayout(this);

    // Presets
    auto *presetRow = new QFormLayout;
    m_preset = new QComboBox(this);
    m_preset->setObjectName(QStringLiteral("presetCombo"));
    for (const auto &p : livenessPresets())
        m_preset->addItem(p.translatedName(), p.key);
    m_preset->addItem(tr("Custom"), QString());
    presetRow->addRow(tr("&Preset:"), m_preset);
    layout->addLayout(presetRow);
    m_presetDescription = wrapLabel(this);
    setTone(m_presetDescription, Tone::Muted);
    layout->addWidget(m_presetDescription);

    // What the chosen values promise, right under the preset: a change shows
    // its effect without scrolling, even on a 600 px screen.
    auto *budgetBox = new QGroupBox(tr("What these settings promise"), this);
    budgetBox->setObjectName(QStringLiteral("budgetCard"));
    auto *budgetLayout = new QVBoxLayout(budgetBox);
    m_budgetHeadline = wrapLabel(this);
    m_budgetHeadline->setObjectName(QStringLiteral("budgetHeadline"));
    followApplicationFont(m_budgetHeadline, HeadlineScale, true);
    m_budgetLines = wrapLabel(this);
    m_warnings = wrapLabel(this);
    m_warnings->setObjectName(QStringLiteral("budgetWarnings"));
    setTone(m_warnings, Tone::Caution);
    budgetLayout->addWidget(m_budgetHeadline);
    budgetLayout->addWidget(m_budgetLines);
    budgetLayout->addWidget(m_warnings);
    layout->addWidget(budgetBox);

    // Mode
    auto *modeBox = new QGroupBox(tr("Liveness mechanism"), this);
    auto *modeLayout = new QGridLayout(modeBox);
    m_modeGroup = new QButtonGroup(this);
    const std::pair<LivenessMode, QString> modes[] = {
        {LivenessMode::None, tr("N&one")},
        {LivenessMode::Keepalive, tr("OS &keepalive")},
        {LivenessMode::Heartbeat, tr("&Application heartbeats")},
        {LivenessMode::Both, tr("&Both")},
    };
    int i = 0;
    for (const auto &[mode, text] : modes) {
        auto *b = new QRadioButton(text, modeBox);
        b->setObjectName(QStringLiteral("mode_") + modeKey(mode));
        m_modeGroup->addButton(b, static_cast<int>(mode));
        modeLayout->addWidget(b, i / 2, i % 2);
        ++i;
    }
    layout->addWidget(modeBox);

    // Keepalive
    m_keepaliveBox = new QGroupBox(tr("OS keepalive (TCP)"), this);
    auto *kaForm = new QFormLayout(m_keepaliveBox);
    auto secondsBox = [this](const QString &name, int max) {
        auto *s = new QSpinBox(this);
        s->setObjectName(name);
        s->setRange(1, max);
        s->setSuffix(tr(" s"));
        s->setKeyboardTracking(false);
        return s;
    };
    m_idle = secondsBox(QStringLiteral("keepaliveIdle"), MaxKeepaliveSeconds);
    m_idle->setToolTip(tr("TCP_KEEPIDLE: silence before the first probe"));
    m_interval = secondsBox(QStringLiteral("keepaliveInterval"), MaxKeepaliveSeconds);
    m_interval->setToolTip(tr("TCP_KEEPINTVL: time between unanswered probes"));
    m_count = new QSpinBox(this);
    m_count->setObjectName(QStringLiteral("keepaliveCount"));
    m_count->setRange(1, MaxKeepaliveCount);
    m_count->setKeyboardTracking(false);
    m_count->setToolTip(tr("TCP_KEEPCNT: unanswered probes before the peer is declared dead"));
    kaForm->addRow(tr("&Idle:"), m_idle);
    kaForm->addRow(tr("Interva&l:"), m_interval);
    kaForm->addRow(tr("Co&unt:"), m_count);
    layout->addWidget(m_keepaliveBox);

    // User timeout applies in every mode: it bounds retransmissions.
    auto *utForm = new QFormLayout;
    m_userTimeout = new QSpinBox(this);
    m_userTimeout->setObjectName(QStringLiteral("userTimeout"));
    m_userTimeout->setRange(0, MaxUserTimeoutMs);
    m_userTimeout->setSingleStep(500);
    m_userTimeout->setSuffix(tr(" ms"));
    m_userTimeout->setSpecialValueText(tr("off (kernel default)"));
    m_userTimeout->setKeyboardTracking(false);
    m_userTimeout->setToolTip(
        tr("TCP_USER_TIMEOUT: how long sent data may stay unacknowledged; with keepalive it "
           "also replaces the probe count"));
    utForm->addRow(tr("TCP use&r timeout:"), m_userTimeout);
    layout->addLayout(utForm);

    // Heartbeats
    m_heartbeatBox = new QGroupBox(tr("Application heartbeats (PING/PONG)"), this);
    auto *hbForm = new QFormLayout(m_heartbeatBox);
    auto hbBox = [this](const QString &name) {
        auto *s = new QDoubleSpinBox(this);
        s->setObjectName(name);
        s->setRange(MinHeartbeatS, MaxHeartbeatS);
        s->setDecimals(1);
        s->setSingleStep(0.5);
        s->setSuffix(tr(" s"));
        s->setKeyboardTracking(false);
        return s;
    };
    m_hbInterval = hbBox(QStringLiteral("heartbeatInterval"));
    m_hbInterval->setToolTip(tr("A PING goes out after this much silence"));
    m_hbTimeout = hbBox(QStringLiteral("heartbeatTimeout"));
    m_hbTimeout->setToolTip(tr("Further silence after that before the server is declared dead"));
    hbForm->addRow(tr("Pin&g interval:"), m_hbInterval);
    hbForm->addRow(tr("&Timeout:"), m_hbTimeout);
    layout->addWidget(m_heartbeatBox);

    // NAT
    auto *natForm = new QFormLayout;
    m_nat = new QSpinBox(this);
    m_nat->setObjectName(QStringLiteral("natTimeout"));
    m_nat->setRange(0, MaxNatTimeoutS);
    m_nat->setSuffix(tr(" s"));
    m_nat->setSpecialValueText(tr("unknown"));
    m_nat->setKeyboardTracking(false);
    m_nat->setToolTip(tr("How long the NAT or load balancer on the path keeps an idle "
                         "connection (e.g. 180 s for many home routers, 350 s for AWS NLB)"));
    natForm->addRow(tr("NAT i&dle timeout:"), m_nat);
    layout->addLayout(natForm);

    // After the values: measuring the path is the next question.
    m_path = new PathMeasurementBox(this);
    layout->addWidget(m_path);
    connect(m_path, &PathMeasurementBox::applyRequested, this,
            &SettingsPanel::applyMeasuredSurvival);

    // Effective
    auto *effBox = new QGroupBox(tr("In effect on the socket"), this);
    auto *effLayout = new QVBoxLayout(effBox);
    m_effective = wrapLabel(this);
    m_effective->setObjectName(QStringLiteral("effectiveOptions"));
    m_effective->setTextInteractionFlags(Qt::TextSelectableByMouse);
    effLayout->addWidget(m_effective);
    layout->addWidget(effBox);
    m_effectiveBox = effBox;
    // Room below the last section, so the page can scroll "Measure this
    // path" up to the top of the view: the whole box in sight while it
    // grows with progress and results, nothing above it cut in half.
    m_tailRoom = new QWidget(this);
    m_tailRoom->setObjectName(QStringLiteral("settingsTailRoom"));
    m_tailRoom->setFixedHeight(0);
    layout->addWidget(m_tailRoom);
    layout->addStretch(1);
    for (QWidget *w : {static_cast<QWidget *>(m_path), static_cast<QWidget *>(effBox)})
        w->installEventFilter(this);

    connect(m_preset, &QComboBox::activated, this, &SettingsPanel::onPresetChosen);
    connect(m_modeGroup, &QButtonGroup::idClicked, this, &SettingsPanel::readWidgets);
    for (QSpinBox *s : {m_idle, m_interval, m_count, m_userTimeout, m_nat})
        connect(s, &QSpinBox::valueChanged, this, &SettingsPanel::readWidgets);
    for (QDoubleSpinBox *s : {m_hbInterval, m_hbTimeout})
        connect(s, &QDoubleSpinBox::valueChanged, this, &SettingsPanel::readWidgets);
    // A wheel turned over the panel scrolls it; a number box under the
    // pointer changes (and with it the live socket) only once it has the
    // keyboard focus. The preset box likewise.
    for (QWidget *w : findChildren<QAbstractSpinBox *>())
        guardWheel(w);
    guardWheel(m_preset);
    setEffective(std::nullopt);
}

void SettingsPanel::guardWheel(QWidget *w)
{
    w->setFocusPolicy(Qt::StrongFocus);
    w->installEventFilter(this);
}

void SettingsPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // In a scroll area the parent is its viewport: its height sets the room.
    QWidget *viewport = parentWidget();
    if (viewport != m_viewport) {
        if (m_viewport)
            m_viewport->removeEventFilter(this);
        m_viewport = viewport;
        if (m_viewport)
            m_viewport->installEventFilter(this);
    }
    scheduleTailRoom();
}

void SettingsPanel::scheduleTailRoom()
{
    if (m_tailRoomPending)
        return;
    m_tailRoomPending = true;
    QMetaObject::invokeMethod(this, &SettingsPanel::updateTailRoom, Qt::QueuedConnection);
}

void SettingsPanel::updateTailRoom()
{
    m_tailRoomPending = false;
    if (!m_viewport || !isVisible())
        return;
    layout()->activate();
    // From the top of the measurement box to the end of the last section.
    const int below = m_effectiveBox->geometry().bottom() + 1 - m_path->y() +
                      layout()->contentsMargins().bottom();
    const int room = std::max(0, m_viewport->height() - below);
    if (room != m_tailRoom->height())
        m_tailRoom->setFixedHeight(room);
}

bool SettingsPanel::eventFilter(QObject *watched, QEvent *event)
{
    if ((event->type() == QEvent::Resize || event->type() == QEvent::Move) &&
        (watched == m_viewport || watched == m_path || watched == m_effectiveBox))
        scheduleTailRoom();
    if (event->type() == QEvent::Wheel) {
        auto *w = qobject_cast<QWidget *>(watched);
        if (w && !w->hasFocus() && w->parentWidget()) {
            // Handed on to the panel, and from there to the scroll area.
            QCoreApplication::sendEvent(w->parentWidget(), event);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void SettingsPanel::setConfig(const LivenessConfig &config)
{
    m_config = config;
    writeWidgets();
}

void SettingsPanel::setServerMinPing(std::optional<Millis> minPing)
{
    m_serverMinPing = minPing;
    refreshBudget();
}

void SettingsPanel::setEffective(const std::optional<SocketOptionsReport> &report)
{
    if (!report) {
        m_effective->setText(tr("Not connected: the values are applied when a connection opens."));
        setTone(m_effective, Tone::Muted);
        return;
    }
    QString text;
    if (!report->supported)
        text = tr("This system does not support per-socket keepalive options.");
    else if (!report->effective.valid)
        text = tr("The socket could not be queried.");
    else
        text = tr("Kernel reports: %1")
                   .arg(Presentation::keepUnitsTogether(report->effective.describe()));
    for (const QString &e : report->errors)
        text += QLatin1Char('\n') + tr("Failed: %1").arg(e);
    const bool matches = report->ok() && report->matches(m_config.toSettings().keepalive,
                                                         m_config.toSettings().userTimeout);
    m_effective->setText(text);
    setTone(m_effective, matches ? Tone::Good : Tone::Bad);
}

QString SettingsPanel::budgetText() const
{
    return m_budgetHeadline->text() + QLatin1Char('\n') + m_budgetLines->text();
}

QString SettingsPanel::warningText() const
{
    return m_warnings->text();
}

QString SettingsPanel::effectiveText() const
{
    return m_effective->text();
}

void SettingsPanel::readWidgets()
{
    if (m_updating)
        return;
    LivenessConfig c = m_config;
    c.mode = static_cast<LivenessMode>(m_modeGroup->checkedId());
    c.keepalive.idleS = m_idle->value();
    c.keepalive.intervalS = m_interval->value();
    c.keepalive.count = m_count->value();
    c.userTimeout = Millis{m_userTimeout->value()};
    c.heartbeat.interval = Millis{std::llround(m_hbInterval->value() * 1000.0)};
    c.heartbeat.timeout = Millis{std::llround(m_hbTimeout->value() * 1000.0)};
    c.natTimeoutS = m_nat->value();
    if (c == m_config)
        return;
    m_config = c;
    refreshPresetCombo();
    refreshEnabled();
    refreshBudget();
    Q_EMIT configChanged(m_config);
}

void SettingsPanel::writeWidgets()
{
    m_updating = true;
    if (auto *b = m_modeGroup->button(static_cast<int>(m_config.mode)))
        b->setChecked(true);
    m_idle->setValue(m_config.keepalive.idleS);
    m_interval->setValue(m_config.keepalive.intervalS);
    m_count->setValue(m_config.keepalive.count);
    m_userTimeout->setValue(static_cast<int>(m_config.userTimeout.count()));
    m_hbInterval->setValue(m_config.heartbeat.interval.count() / 1000.0);
    m_hbTimeout->setValue(m_config.heartbeat.timeout.count() / 1000.0);
    m_nat->setValue(m_config.natTimeoutS);
    m_updating = false;
    refreshPresetCombo();
    refreshEnabled();
    refreshBudget();
}

void SettingsPanel::applyMeasuredSurvival(Millis survived)
{
    LivenessConfig c = m_config;
    const Millis interval = safeKeepWarmInterval(survived);
    if (c.mode == LivenessMode::None)
        c.mode = LivenessMode::Heartbeat;
    const LivenessSettings warmed = withKeepWarmInterval(c.toSettings(), interval);
    if (keepWarmMechanism(c.toSettings()) == KeepWarmMechanism::Keepalive)
        c.keepalive.idleS = warmed.keepalive.idleS;
    else
        c.heartbeat.interval = std::max(warmed.heartbeat.interval, Millis{100});
    // What the path keeps for sure: the warnings then check against it.
    c.natTimeoutS = std::max<int>(1, static_cast<int>(survived.count() / 1000));
    if (c == m_config)
        return;
    m_config = c;
    writeWidgets();
    Q_EMIT configChanged(m_config);
}

void SettingsPanel::onPresetChosen(int index)
{
    const QString key = m_preset->itemData(index).toString();
    for (const auto &p : livenessPresets()) {
        if (p.key != key)
            continue;
        LivenessConfig c = p.config;
        c.natTimeoutS = m_config.natTimeoutS; // the path does not change with the preset
        if (c == m_config)
            return;
        m_config = c;
        writeWidgets();
        Q_EMIT configChanged(m_config);
        return;
    }
    refreshPresetCombo(); // "Custom" is not a choice, just a state
}

void SettingsPanel::refreshPresetCombo()
{
    const auto match = matchingPreset(m_config);
    const int index = m_preset->findData(match ? match->key : QString());
    m_preset->setCurrentIndex(index);
    m_presetDescription->setText(match ? match->translatedDescription()
                                       : tr("Your own combination of values."));
}

void SettingsPanel::refreshEnabled()
{
    m_keepaliveBox->setEnabled(m_config.keepaliveOn());
    m_heartbeatBox->setEnabled(m_config.heartbeatOn());
}

void SettingsPanel::refreshBudget()
{
    const BudgetReport r = BudgetReport::analyze(m_config, m_serverMinPing);
    m_budgetHeadline->setText(r.headline());
    setTone(m_budgetHeadline, r.budget ? Tone::Normal : Tone::Bad);
    m_budgetLines->setText(r.lines.join(QLatin1Char('\n')));
    QStringList warnings;
    for (const QString &w : r.warnings)
        warnings << QStringLiteral("⚠ ") + w;
    m_warnings->setText(warnings.join(QLatin1Char('\n')));
    m_warnings->setVisible(!warnings.isEmpty());
    m_path->setLiveness(m_config.toSettings());
}

} // namespace longline::app
