# A product embedding in a marketing e-mail (an embedded image), not a vector.
class Embedding < ApplicationRecord
  belongs_to :email
end
