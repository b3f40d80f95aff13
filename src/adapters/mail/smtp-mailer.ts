/**
 * Sends e-mail over SMTP with nodemailer: one message, its attachments, and the server's verdict.
 * The SMTP server is the operator's own relay (VIGIL_SMTP_URL), so no address policy applies here.
 */
import { createTransport } from 'nodemailer';

/** Connecting, the greeting, and silence on the socket, each. */
export const SMTP_TIMEOUT_MS = 30_000;

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  attachments: MailAttachment[];
  /** Stable across retries (`<dispatch id@vigil>`), so a receiving system can drop a repeat. */
  messageId: string;
}

export type MailOutcome = { kind: 'accepted'; response: string } | { kind: 'rejected'; reason: string; permanent: boolean } | { kind: 'failed'; reason: string };

export interface Mailer {
  send(m: MailMessage): Promise<MailOutcome>;
  close(): void;
}

export function createSmtpMailer(options: { url: string; from: string }): Mailer {
  const transport = createTransport({ url: options.url, connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS });
  return {
    async send(m) {
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          messageId: m.messageId,
          attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
        });
        if (info.rejected.length > 0) return { kind: 'rejected', reason: `the server refused ${info.rejected.map(String).join(', ')}: ${info.response}`, permanent: true };
        return { kind: 'accepted', response: info.response };
      } catch (e) {
        const err = e as Error & { responseCode?: number; response?: string };
        // RFC 5321 §4.2.1: 5yz replies are permanent, 4yz transient.
        if (typeof err.responseCode === 'number' && err.responseCode >= 500) return { kind: 'rejected', reason: err.response ?? err.message, permanent: true };
        if (typeof err.responseCode === 'number') return { kind: 'rejected', reason: err.response ?? err.message, permanent: false };
        return { kind: 'failed', reason: err.message };
      }
    },
    close() {
      transport.close();
    },
  };
}
