#pragma once
// "Measure this path", in the settings panel: finds how long the path to
// the server keeps an idle connection (IdleTimeoutProber), shows the search
// as it runs (it can take minutes at real-world timeouts) and lets the user
// cancel it, says what it found in words, and offers to keep warm just
// below it, with what each choice costs (packets and bytes an hour while
// idle) next to what it buys (the detection budget). Also the switch for
// adaptive mode, which does the same by itself for every network.

#include "idletimeoutprober.h"
#include "livenesssettings.h"

#include <QElapsedTimer>
#include <QGroupBox>
#include <QTimer>
#include <optional>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace longline::app {

class PathMeasurementBox : public QGroupBox
{
    Q_OBJECT

public:
    explicit PathMeasurementBox(QWidget *parent = nullptr);

    // The server to measure; nothing while no server is chosen.
    void setTarget(const std::optional<IdleTimeoutProber::Target> &target);
    // The settings the connection runs with now, for the cost comparison.
    void setLiveness(const LivenessSettings &settings);
    void setAdaptive(bool on);
    // The search's shape (tests and the lab use short delays); the
    // resolution box overrides its resolution.
    void setSearch(const IdleTimeoutSearch &search) { m_search = search; }
    IdleTimeoutSearch search() const;
    // A line about adaptive mode's latest decision (empty to clear).
    void setAdaptiveStatus(const QString &text);
    // Shows a finished measurement (also adaptive mode's) as if run here.
    void showResult(const IdleTimeoutResult &result);

    IdleTimeoutProber *prober() const { return m_prober; }
    std::optional<IdleTimeoutResult> lastResult() const { return m_result; }
    // Texts, for tests and screenshots.
    QString resultText() const;
    QString costText() const;
    QString progressText() const;

    // The sentence for a result, translated.
    static QString describe(const IdleTimeoutResult &result);

public Q_SLOTS:
    void startMeasurement();
    void cancelMeasurement();

Q_SIGNALS:
    // Apply: keep warm at a safe fraction of `survived` (the panel changes
    // whichever mechanism the chosen mode runs) and note the timeout.
    void applyRequested(longline::Millis survived);
    void adaptiveToggled(bool on);

private:
    void onRoundStarted(int round, const QString &phase, const QList<Millis> &delays);
    void onFinished(const IdleTimeoutResult &result);
    void refreshProgress();
    void refreshCosts();
    void refreshButtons();

    IdleTimeoutProber *m_prober;
    std::optional<IdleTimeoutProber::Target> m_target;
    LivenessSettings m_settings;
    IdleTimeoutSearch m_search;
    std::optional<IdleTimeoutResult> m_result;
    QString m_roundText;
    QTimer m_progressTimer;
    Millis m_roundStart{0};

    QSpinBox *m_resolution = nullptr;
    QPushButton *m_measure = nullptr;
    QPushButton *m_cancel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_progressLabel = nullptr;
    QLabel *m_resultLabel = nullptr;
    QLabel *m_costs = nullptr;
    QPushButton *m_apply = nullptr;
    QCheckBox *m_adaptive = nullptr;
    QLabel *m_adaptiveStatus = nullptr;
};

} // namespace longline::app
