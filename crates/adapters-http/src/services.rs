use tokenauth_application::{Authenticate, Login, Logout, LogoutAll, Signup};

/// The use cases the HTTP edge calls, built once and shared by every worker.
#[derive(Debug)]
pub struct Services {
    /// `POST /api/signup`.
    pub signup: Signup,
    /// `POST /api/login`.
    pub login: Login,
    /// Every protected route.
    pub authenticate: Authenticate,
    /// `POST /api/logout`.
    pub logout: Logout,
    /// `POST /api/logoutall`.
    pub logout_all: LogoutAll,
}
