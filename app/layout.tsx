import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "HIU Portal", template: "%s · HIU Portal" },
  description: "Request, receive and read patients' health records through ABDM.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en-IN">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}
