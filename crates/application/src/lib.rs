//! tokenauth's use cases and the ports they need.
//!
//! Each use case is a struct holding the ports it uses, with one `execute`
//! method, its own input and output, and its own error enum. Use cases are
//! synchronous: the HTTP edge runs each one on a blocking thread, so a request
//! costs one blocking closure that holds the database work and the hashing.

pub mod admin_users;
pub mod authenticate;
pub mod change_password;
pub mod input;
pub mod login;
pub mod logout;
pub mod ports;
pub mod prune_tokens;
pub mod sessions;
pub mod signup;
pub mod system;
pub mod update_profile;
pub mod validation;

pub use admin_users::{AdminError, AdminUsers, PageRequest, UserUpdateInput};
pub use authenticate::{Authenticate, AuthenticateError, Authenticated};
pub use change_password::{ChangePassword, ChangePasswordError, ChangePasswordInput};
pub use input::FieldValue;
pub use login::{Login, LoginError, LoginInput, LoginSuccess, TokenPolicy};
pub use logout::{Logout, LogoutAll};
pub use ports::{
    Clock, DatabaseHealth, PasswordHasher, PoolState, RepositoryError, SaveUserError,
    TokenGenerator, TokenRepository, UserPage, UserQuery, UserRepository,
};
pub use prune_tokens::PruneTokens;
pub use sessions::{EndSessionError, Session, Sessions};
pub use signup::{Privileges, Signup, SignupError, SignupInput};
pub use update_profile::{ProfileInput, UpdateProfile, UpdateProfileError};
pub use validation::{FieldError, ValidationErrors};
