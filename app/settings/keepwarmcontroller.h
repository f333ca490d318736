#pragma once
// "Measure this path" and adaptive keep-warm, wired: the settings panel's
// box drives the prober and AdaptiveKeepWarm, what they find is logged and
// shown in the panel, and the user's own settings stay in the store while
// adaptive mode runs the client with what it measured.

#include "adaptivekeepwarm.h"
#include "chatclient.h"
#include "livenessconfig.h"

#include <QObject>

namespace longline::app {

class EventLogModel;
class SettingsPanel;
class SettingsStore;

class KeepWarmController : public QObject
{
    Q_OBJECT
public:
    KeepWarmController(ChatClient *client, SettingsStore *store, SettingsPanel *panel,
                       EventLogModel *log, QObject *parent = nullptr);

    AdaptiveKeepWarm *adaptive() const { return m_adaptive; }

Q_SIGNALS:
    // Adaptive mode was turned off: the user's own settings apply again.
    void restoreRequested(const longline::app::LivenessConfig &config);
    // Adaptive mode changed the client's settings (shown in the panel).
    void applied();

private:
    void onApplied(Millis interval, KeepWarmMechanism mechanism, AdaptiveKeepWarm::Reason reason,
                   Millis survived);
    void log(const QString &kind, const QString &text);

    ChatClient *m_client;
    SettingsStore *m_store;
    SettingsPanel *m_settingsPanel;
    EventLogModel *m_log;
    AdaptiveKeepWarm *m_adaptive = nullptr;
};

} // namespace longline::app
