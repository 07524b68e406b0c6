import { Layout, Notice } from "./layout.tsx";

export function LoginPage(props: { message?: string; next?: string }) {
  return (
    <Layout title="Log in" signedIn={false}>
      <h1>Log in</h1>
      <Notice message={props.message} error={!!props.message} />
      <form method="post" action="/admin/login" class="card stack" id="login">
        <label>
          Admin token
          <input type="password" name="token" autocomplete="current-password" required autofocus />
        </label>
        <input type="hidden" name="next" value={props.next ?? "/admin"} />
        <div>
          <button type="submit">Log in</button>
        </div>
        <p class="muted">
          The token is ADMIN_TOKEN, or the one-time login link the service printed when it started.
        </p>
      </form>
    </Layout>
  );
}
