//! Files: ngclearn's saved-model directories and their npz state.

pub mod json;
pub mod model_class;
pub mod model_dir;
pub mod model_file;
pub mod npy;
pub mod npz;
pub mod optim_state;
pub mod pickle;
pub mod replace;

pub use model_dir::{
    check_savable_partitioned, check_save_target, load_model_dir, load_model_dir_partitioned,
    prepare_model_dir, prepare_model_dir_partitioned, save_model_dir,
};
pub use model_file::load_model_file_partitioned;
