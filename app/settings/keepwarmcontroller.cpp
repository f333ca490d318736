#include "keepwarmcontroller.h"

#include "eventlogmodel.h"
#include "pathmeasurementbox.h"
#include "presentation.h"
#include "settingspanel.h"
#include "settingsstore.h"

namespace longline::app {

KeepWarmController::KeepWarmController(ChatClient *client, SettingsStore *store,
                                       SettingsPanel *panel, EventLogModel *eventLog,
                                       QObject *parent)
    : QObject(parent), m_client(client), m_store(store), m_settingsPanel(panel), m_log(eventLog)
{
    PathMeasurementBox *box = m_settingsPanel->pathMeasurement();
    m_adaptive = new AdaptiveKeepWarm(m_client, m_store->pathStoreFile(), this);
    connect(box, &PathMeasurementBox::adaptiveToggled, this, [this, box](bool on) {
        if (on)
            m_store->setLiveness(m_settingsPanel->config()); // the user's own, kept
        m_store->setAdaptiveKeepWarm(on);
        box->setAdaptiveStatus(on ? tr("Adaptive mode is on: the window measures each network "
                                       "once online and keeps warm below what it finds.")
                                  : QString());
        m_adaptive->setSearch(box->search());
        m_adaptive->setEnabled(on);
        if (!on) // back to the user's own settings
            Q_EMIT restoreRequested(m_store->liveness());
    });
    connect(box->prober(), &IdleTimeoutProber::finished, this,
            [this](const IdleTimeoutResult &result) {
                log(tr("path"), PathMeasurementBox::describe(result));
            });
    connect(m_adaptive, &AdaptiveKeepWarm::measuring, this, [this, box] {
        box->setAdaptiveStatus(tr("Adaptive: measuring this network in the background…"));
        log(tr("path"), tr("adaptive keep-warm: measuring this network"));
    });
    connect(m_adaptive, &AdaptiveKeepWarm::measured, this,
            [this, box](const IdleTimeoutResult &result) {
                box->showResult(result);
                log(tr("path"), PathMeasurementBox::describe(result));
            });
    connect(m_adaptive, &AdaptiveKeepWarm::rechecked, this,
            [this](Millis delay, ProbeOutcome outcome) {
                log(tr("path"), outcome == ProbeOutcome::Survived
                                    ? tr("re-check: a mapping still survives %1 idle")
                                          .arg(Presentation::duration(delay))
                                    : tr("re-check: a mapping idle for %1 was lost")
                                          .arg(Presentation::duration(delay)));
            });
    connect(m_adaptive, &AdaptiveKeepWarm::applied, this, &KeepWarmController::onApplied);
    box->setAdaptive(m_store->adaptiveKeepWarm());
    m_adaptive->setSearch(box->search());
    m_adaptive->setEnabled(m_store->adaptiveKeepWarm());
}

void KeepWarmController::onApplied(Millis interval, KeepWarmMechanism mechanism,
                                   AdaptiveKeepWarm::Reason reason, Millis survived)
{
    // Adaptive mode changed the client's settings; the panel shows them.
    LivenessConfig c = m_settingsPanel->config();
    if (mechanism == KeepWarmMechanism::Keepalive) {
        c.keepalive.idleS = static_cast<int>(interval.count() / 1000);
    } else {
        if (c.mode == LivenessMode::None)
            c.mode = LivenessMode::Heartbeat;
        c.heartbeat.interval = interval;
    }
    if (reason == AdaptiveKeepWarm::Reason::Measured || reason == AdaptiveKeepWarm::Reason::Stored)
        c.natTimeoutS = std::max<int>(1, static_cast<int>(survived.count() / 1000));
    m_settingsPanel->setConfig(c); // shown, not saved: the user's own stay in the store
    const QString what = mechanism == KeepWarmMechanism::Keepalive
                             ? tr("keepalive idle %1").arg(Presentation::duration(interval))
                             : tr("heartbeat every %1").arg(Presentation::duration(interval));
    QString why;
    switch (reason) {
    case AdaptiveKeepWarm::Reason::Stored:
        why = tr("remembered for this network: mappings survive %1 idle")
                  .arg(Presentation::duration(survived));
        break;
    case AdaptiveKeepWarm::Reason::Measured:
        why = tr("just measured: mappings survive %1 idle").arg(Presentation::duration(survived));
        break;
    case AdaptiveKeepWarm::Reason::FailedKeepWarm:
        why = tr("a keep-warm did not hold the mapping: halved at once, measuring again when "
                 "back online");
        break;
    case AdaptiveKeepWarm::Reason::RecheckFailed:
        why = tr("a re-check probe was lost: halved at once, measuring again");
        break;
    }
    const std::optional<Millis> budget = m_client->effectiveSettings().detectionBudget();
    const QString text = budget ? tr("Adaptive: %1 (%2); detects a dead link within %3.")
                                      .arg(what, why, Presentation::duration(*budget))
                                : tr("Adaptive: %1 (%2).").arg(what, why);
    m_settingsPanel->pathMeasurement()->setAdaptiveStatus(text);
    log(tr("path"), text);
    Q_EMIT applied();
}

void KeepWarmController::log(const QString &kind, const QString &text)
{
    m_log->add(kind, text);
}

} // namespace longline::app
