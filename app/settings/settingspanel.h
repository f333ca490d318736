#pragma once
// The side panel's settings page: mode, presets, keepalive and heartbeat values,
// the NAT idle timeout to check against, the detection budget these imply
// with warnings, and what the kernel actually took on the open socket.
// Every change is announced at once (configChanged); the window applies it.

#include "livenessconfig.h"
#include "socketoptions.h"

#include <QPointer>
#include <QWidget>
#include <optional>

class QButtonGroup;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QRadioButton;
class QSpinBox;

namespace longline::app {

class PathMeasurementBox;

class SettingsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SettingsPanel(QWidget *parent = nullptr);
    bool eventFilter(QObject *watched, QEvent *event) override;

    LivenessConfig config() const { return m_config; }
    // Shows `config` without announcing it.
    void setConfig(const LivenessConfig &config);
    // The server's minimum ping interval, from WELCOME (empty when offline).
    void setServerMinPing(std::optional<Millis> minPing);
    // What the kernel holds for the open socket; empty when not connected.
    void setEffective(const std::optional<SocketOptionsReport> &report);

    QString budgetText() const;  // headline and lines, for tests
    QString warningText() const; // all warnings, for tests
    QString effectiveText() const;

    // "Measure this path": the window gives it the server, the panel its
    // settings, and Apply comes back here as a config change.
    PathMeasurementBox *pathMeasurement() const { return m_path; }
    // Keep warm at a safe fraction of `survived` with the mechanism the
    // mode runs (heartbeats when the mode is None), note the path's timeout,
    // and announce the change.
    void applyMeasuredSurvival(Millis survived);

Q_SIGNALS:
    void configChanged(const longline::app::LivenessConfig &config);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void scheduleTailRoom();
    void updateTailRoom();
    void guardWheel(QWidget *w);
    void buildUi();
    void readWidgets();  // widgets -> m_config, then announce
    void writeWidgets(); // m_config -> widgets, silently
    void onPresetChosen(int index);
    void refreshPresetCombo();
    void refreshBudget();
    void refreshEnabled();

    LivenessConfig m_config;
    std::optional<Millis> m_serverMinPing;
    bool m_updating = false; // writing widgets: ignore their signals

    QComboBox *m_preset = nullptr;
    QLabel *m_presetDescription = nullptr;
    QButtonGroup *m_modeGroup = nullptr;
    QGroupBox *m_keepaliveBox = nullptr;
    QSpinBox *m_idle = nullptr;
    QSpinBox *m_interval = nullptr;
    QSpinBox *m_count = nullptr;
    QSpinBox *m_userTimeout = nullptr;
    QGroupBox *m_heartbeatBox = nullptr;
    QDoubleSpinBox *m_hbInterval = nullptr;
    QDoubleSpinBox *m_hbTimeout = nullptr;
    QSpinBox *m_nat = nullptr;
    QLabel *m_budgetHeadline = nullptr;
    QLabel *m_budgetLines = nullptr;
    QLabel *m_warnings = nullptr;
    QLabel *m_effective = nullptr;
    PathMeasurementBox *m_path = nullptr;
    QGroupBox *m_effectiveBox = nullptr;
    QWidget *m_tailRoom = nullptr;
    QPointer<QWidget> m_viewport; // the scroll area's, when the page scrolls
    bool m_tailRoomPending = false;
};

} // namespace longline::app
