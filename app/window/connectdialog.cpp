#include "connectdialog.h"

#include "labelstyle.h"

#include "protocol.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace longline::app {

ConnectDialog::ConnectDialog(const ConnectionProfile &initial, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Connect to a Longline server"));
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->hide();
    m_saved = new QComboBox(this);
    m_saved->setObjectName(QStringLiteral("savedServers"));
    m_host = new QLineEdit(initial.host, this);
    m_host->setObjectName(QStringLiteral("host"));
    m_host->setPlaceholderText(tr("host name or address"));
    m_port = new QSpinBox(this);
    m_port->setObjectName(QStringLiteral("port"));
    m_port->setRange(1, 65535);
    m_port->setValue(initial.port);
    m_nick = new QLineEdit(initial.nick, this);
    m_nick->setObjectName(QStringLiteral("nick"));
    m_nick->setPlaceholderText(tr("letters, digits, _ - . (up to 24)"));
    m_nick->setMaxLength(protocol::MaxNickLength);
    m_password = new QLineEdit(initial.password, this);
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("only if the server has one"));
    m_tls = new QCheckBox(tr("Encrypt with &TLS"), this);
    m_tls->setObjectName(QStringLiteral("tls"));
    m_tls->setChecked(initial.tls);
    m_pinnedSha256 = initial.pinnedSha256;
    m_problem = new QLabel(this);
    setTone(m_problem, Tone::Bad);
    m_problem->setWordWrap(true);

    auto *form = new QFormLayout;
    form->addRow(tr("&Recent:"), m_saved);
    form->setRowVisible(m_saved, false); // until there are saved servers
    form->addRow(tr("&Server:"), m_host);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("&Nick:"), m_nick);
    form->addRow(tr("Pass&word:"), m_password);
    form->addRow(QString(), m_tls);

    auto *buttons = new QDialogButtonBox(this);
    m_connect = buttons->addButton(tr("C&onnect"), QDialogButtonBox::AcceptRole);
    buttons->addButton(tr("Cancel"), QDialogButtonBox::RejectRole);
    m_connect->setObjectName(QStringLiteral("connectButton"));
    m_connect->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_message);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);

    connect(m_saved, &QComboBox::activated, this, [this](int i) {
        if (i >= 0 && i < m_servers.size())
            fill(m_servers.at(i));
    });
    connect(m_host, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(m_nick, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    validate();
    if (initial.nick.isEmpty())
        m_nick->setFocus();
    setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('m')) * 36);
}

void ConnectDialog::setSavedServers(const QList<ConnectionProfile> &servers)
{
    m_servers = servers;
    m_saved->clear();
    for (const ConnectionProfile &p : servers) {
        const QString endpoint = p.host.contains(QLatin1Char(':'))
                                     ? QStringLiteral("[%1]:%2").arg(p.host).arg(p.port)
                                     : QStringLiteral("%1:%2").arg(p.host).arg(p.port);
        m_saved->addItem(p.nick.isEmpty() ? endpoint : tr("%1 as %2").arg(endpoint, p.nick));
    }
    if (auto *form = findChild<QFormLayout *>())
        form->setRowVisible(m_saved, !servers.isEmpty());
}

void ConnectDialog::fill(const ConnectionProfile &p)
{
    m_host->setText(p.host);
    m_port->setValue(p.port);
    m_nick->setText(p.nick);
    m_tls->setChecked(p.tls);
    m_pinnedSha256 = p.pinnedSha256;
    m_password->clear();
}

ConnectionProfile ConnectDialog::profile() const
{
    ConnectionProfile p;
    p.host = m_host->text().trimmed();
    p.port = static_cast<quint16>(m_port->value());
    p.nick = m_nick->text().trimmed();
    p.password = m_password->text();
    p.tls = m_tls->isChecked();
    p.pinnedSha256 = m_pinnedSha256;
    return p;
}

void ConnectDialog::setMessage(const QString &message)
{
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

void ConnectDialog::focusField(Field field)
{
    QLineEdit *edit = field == Field::Password ? m_password : m_nick;
    edit->setFocus();
    edit->selectAll();
}

void ConnectDialog::validate()
{
    QString problem;
    const QString nick = m_nick->text().trimmed();
    if (m_host->text().trimmed().isEmpty())
        problem = tr("Enter the server's host name or address.");
    else if (nick.isEmpty())
        problem = tr("Choose a nick.");
    else if (!protocol::isValidNick(nick))
        problem = tr("A nick has 1 to 24 letters, digits, \"_\", \"-\" or \".\".");
    m_problem->setText(problem);
    m_connect->setEnabled(problem.isEmpty());
}

} // namespace longline::app
